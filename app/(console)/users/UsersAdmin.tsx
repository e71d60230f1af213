'use client';

import { useActionState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { Card } from '@/components/ui/card';
import { Table, Td, Th } from '@/components/ui/table';
import { addUserAction, resetUserPasswordAction, setUserDisabledAction, setUserRoleAction } from './actions';

interface Row {
  username: string;
  role: string | null;
  disabled: boolean;
  mustChangePassword: boolean;
  source: string;
}

const field = 'rounded-md border border-slate-300 px-2 py-1 text-sm';

function RoleSelect({ value, label }: { value: string | null; label?: string }) {
  return (
    <select name="role" defaultValue={value ?? ''} className={field} aria-label={label}>
      <option value="">no role</option>
      <option value="viewer">viewer</option>
      <option value="operator">operator</option>
      <option value="lead">lead</option>
    </select>
  );
}

export function UsersAdmin({ users, me }: { users: Row[]; me: string }) {
  // one state for every change, so the answer shown (and its password) is always the latest one's
  const [last, act, acting] = useActionState(async (_p: unknown, f: FormData) => {
    const op = f.get('op');
    if (op === 'add') return addUserAction(null, f);
    if (op === 'role') return setUserRoleAction(null, f);
    if (op === 'reset') return resetUserPasswordAction(null, f);
    return setUserDisabledAction(null, f);
  }, null);
  const shown = last?.ok && last.result.oneTimePassword ? last.result : undefined;
  return (
    <div className="space-y-6">
      <form
        action={act}
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        data-testid="add-user-form"
      >
        <input type="hidden" name="op" value="add" />
        <label className="text-sm">
          User name <input name="username" required className={field} />
        </label>
        <label className="text-sm">
          Role <RoleSelect value="viewer" />
        </label>
        <label className="text-sm">
          Reason <input name="reason" required className={field} />
        </label>
        <button
          type="submit"
          disabled={acting}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white"
        >
          Add user
        </button>
      </form>
      <ActionResultView result={last}>
        {shown && (
          <p className="mt-2" data-testid="one-time-password-for" data-username={shown.username}>
            One-time password for <strong className="font-mono">{shown.username}</strong> (shown once; give it to them,
            they must change it at first sign-in):{' '}
            <code className="rounded bg-white px-1 font-mono break-all" data-testid="one-time-password">
              {shown.oneTimePassword}
            </code>
          </p>
        )}
      </ActionResultView>
      <Card>
        <Table>
          <thead>
            <tr>
              <Th>User</Th>
              <Th>Role</Th>
              <Th>State</Th>
              <Th>Change (with a reason)</Th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.username} data-testid={`user-${u.username}`}>
                <Td className="font-mono">
                  {u.username}
                  {u.source === 'trusted-header' && <span className="ml-1 text-xs text-slate-500">(SSO)</span>}
                </Td>
                <Td>{u.role ?? 'none'}</Td>
                <Td>{u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active'}</Td>
                <Td>
                  <form action={act} className="flex min-w-72 flex-wrap items-center gap-2">
                    <input type="hidden" name="username" value={u.username} />
                    <RoleSelect value={u.role} label={`Role for ${u.username}`} />
                    <input
                      name="reason"
                      placeholder="reason"
                      aria-label={`Reason for changing ${u.username}`}
                      required
                      className={field}
                    />
                    <button name="op" value="role" className="rounded border px-2 py-1 text-xs">
                      Set role
                    </button>
                    {u.username !== me && (
                      <>
                        <input type="hidden" name="disabled" value={u.disabled ? 'false' : 'true'} />
                        <button name="op" value="disable" className="rounded border px-2 py-1 text-xs">
                          {u.disabled ? 'Enable' : 'Disable'}
                        </button>
                      </>
                    )}
                    {u.source === 'password' && (
                      <button name="op" value="reset" className="rounded border px-2 py-1 text-xs">
                        New one-time password
                      </button>
                    )}
                  </form>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
    </div>
  );
}

'use client';

import { useActionState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
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

function RoleSelect({ value }: { value: string | null }) {
  return (
    <select name="role" defaultValue={value ?? ''} className={field}>
      <option value="">no role</option>
      <option value="viewer">viewer</option>
      <option value="operator">operator</option>
      <option value="lead">lead</option>
    </select>
  );
}

export function UsersAdmin({ users, me }: { users: Row[]; me: string }) {
  const [added, add, adding] = useActionState(addUserAction, null);
  const [changed, change] = useActionState(async (_p: unknown, f: FormData) => {
    const op = f.get('op');
    if (op === 'role') return setUserRoleAction(null, f);
    if (op === 'reset') return resetUserPasswordAction(null, f);
    return setUserDisabledAction(null, f);
  }, null);
  const shown = added?.ok
    ? added.result.oneTimePassword
    : changed?.ok
      ? (changed.result as { oneTimePassword?: string }).oneTimePassword
      : undefined;
  return (
    <div className="space-y-6">
      <form
        action={add}
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        data-testid="add-user-form"
      >
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
          disabled={adding}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white"
        >
          Add user
        </button>
      </form>
      <ActionResultView result={added ?? changed}>
        {shown && (
          <p className="mt-2">
            One-time password (shown once; they must change it at first sign-in):{' '}
            <code className="rounded bg-white px-1 font-mono" data-testid="one-time-password">
              {shown}
            </code>
          </p>
        )}
      </ActionResultView>
      <div className="rounded-lg border border-slate-200 bg-white shadow-sm">
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
                  <form action={change} className="flex flex-wrap items-center gap-2">
                    <input type="hidden" name="username" value={u.username} />
                    <RoleSelect value={u.role} />
                    <input name="reason" placeholder="reason" required className={field} />
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
      </div>
    </div>
  );
}

'use client';

import { useActionState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { Table, Td, Th } from '@/components/ui/table';
import { formatTimestamp } from '@/lib/format';
import { createTokenAction, revokeTokenAction } from './actions';

interface Row {
  id: number;
  name: string;
  prefix: string;
  scope: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
}

const field = 'rounded-md border border-slate-300 px-2 py-1 text-sm';

export function TokensAdmin({ tokens }: { tokens: Row[] }) {
  const [made, make, making] = useActionState(createTokenAction, null);
  const [revoked, revoke] = useActionState(revokeTokenAction, null);
  const shown = made?.ok ? made.result.token : undefined;
  return (
    <div className="space-y-6">
      <form
        action={make}
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        data-testid="make-token-form"
      >
        <label className="text-sm">
          Name <input name="name" required maxLength={80} placeholder="nightly bulk script" className={field} />
        </label>
        <label className="text-sm">
          Scope{' '}
          <select name="scope" defaultValue="read" className={field}>
            <option value="read">read: GET only</option>
            <option value="operate">operate: previews, dry runs, applies</option>
          </select>
        </label>
        <label className="text-sm">
          Expires in{' '}
          <select name="expiresInDays" defaultValue="30" className={field}>
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="365">365 days</option>
          </select>
        </label>
        <button
          type="submit"
          disabled={making}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white"
        >
          Make token
        </button>
      </form>
      <ActionResultView result={made ?? revoked}>
        {shown && (
          <div className="mt-2 space-y-1">
            <p>Copy it now: it is shown only this once, and the console keeps only its hash.</p>
            <code className="block break-all rounded bg-white px-2 py-1 font-mono" data-testid="new-token">
              {shown}
            </code>
          </div>
        )}
      </ActionResultView>
      <div className="rounded-lg border border-slate-200 bg-white shadow-sm">
        <Table>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Token</Th>
              <Th>Scope</Th>
              <Th>Made</Th>
              <Th>Last used</Th>
              <Th>Expires</Th>
              <Th>State</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 && (
              <tr>
                <Td colSpan={8} className="text-slate-500">
                  You have no tokens yet.
                </Td>
              </tr>
            )}
            {tokens.map((t) => (
              <tr key={t.id} data-testid="token-row" data-state={t.state}>
                <Td className="font-medium">{t.name}</Td>
                <Td className="font-mono text-xs">{t.prefix}…</Td>
                <Td>{t.scope}</Td>
                <Td>{formatTimestamp(t.createdAt)}</Td>
                <Td>{t.lastUsedAt ? formatTimestamp(t.lastUsedAt) : 'never'}</Td>
                <Td>{formatTimestamp(t.expiresAt)}</Td>
                <Td>{t.state}</Td>
                <Td>
                  {t.state === 'active' && (
                    <form action={revoke}>
                      <input type="hidden" name="id" value={t.id} />
                      <button type="submit" className="text-sm text-red-700 underline" aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </button>
                    </form>
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </div>
  );
}

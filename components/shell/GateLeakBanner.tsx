'use client';

import { useActionState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { describeStatus } from '@/lib/recipes/messages';
import type { ActionResult } from '@/lib/auth/authorize';
import { useLeakedGatesQuery } from './use-leaked-gates-query';

type CloseAction = (prev: unknown, form: FormData) => Promise<ActionResult<string[]>>;

/** The red gate-leak banner shown at the top of every console page while any gate is open; leads can close the gates from it. */
export function GateLeakBanner({ initialLeaked, closeAction }: { initialLeaked: string[] | null; closeAction?: CloseAction }) {
  const { data: leaked } = useLeakedGatesQuery(initialLeaked);
  const qc = useQueryClient();
  const [state, action, pending] = useActionState(async (prev: ActionResult<string[]> | null, form: FormData) => {
    const r = await closeAction!(prev, form);
    await qc.invalidateQueries({ queryKey: ['gates'] });
    return r;
  }, null);
  if (!leaked?.length) return null;
  return (
    <div role="alert" data-testid="gate-leak-banner" className="border-b border-red-700 bg-red-600 px-6 py-3 text-sm text-white">
      <p className="font-semibold">
        Gate leak: {leaked.join(', ')} {leaked.length === 1 ? 'is' : 'are'} open in committed data.
      </p>
      <p className="mt-0.5 text-red-50">{describeStatus('gate_leak')}</p>
      {closeAction && (
        <form action={action} className="mt-2 flex flex-wrap items-center gap-2">
          <input name="reason" required placeholder="Reason (required)" className="rounded px-2 py-1 text-slate-900" />
          <button type="submit" disabled={pending} className="rounded bg-white px-3 py-1 font-semibold text-red-700">
            Close all gates
          </button>
          {state && !state.ok && <span>{state.message}</span>}
        </form>
      )}
    </div>
  );
}

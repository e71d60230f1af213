'use client';

import { useActionState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { rollbackByActorAction } from './actions';

const field = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm';

export function RollbackForm({ initialActor = '' }: { initialActor?: string }) {
  const [result, action, pending] = useActionState(rollbackByActorAction, null);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form action={action} className="space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm" data-testid="rollback-form">
        <label className="block text-sm font-medium text-slate-700">
          Actor (exactly as recorded, e.g. alice:canary-3)
          <input name="targetActor" required defaultValue={initialActor} className={field} />
        </label>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="durable" /> Durable (delete for real)
        </label>
        <label className="block text-sm font-medium text-slate-700">
          Reason (required for durable)
          <input name="reason" className={field} />
        </label>
        <button type="submit" disabled={pending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white">
          {pending ? 'Running…' : 'Roll back'}
        </button>
      </form>
      <ActionResultView result={result} />
    </div>
  );
}

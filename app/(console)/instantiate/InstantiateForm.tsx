'use client';

import { useActionState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import type { TemplateOption } from '@/lib/queries/console';
import { instantiateFromEventAction } from './actions';

const field = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm';
const label = 'block text-sm font-medium text-slate-700';

export function InstantiateForm({ templates }: { templates: TemplateOption[] }) {
  const [result, action, pending] = useActionState(instantiateFromEventAction, null);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form action={action} className="space-y-4 rounded-lg border border-slate-200 bg-white p-5 shadow-sm" data-testid="instantiate-form">
        <label className={label}>
          Event id (UUID)
          <input name="eventId" required className={field} placeholder="25000b00-0000-4000-8000-000000000001" />
        </label>
        <label className={label}>
          Event type
          <input name="eventType" required defaultValue="template.published" className={field} />
        </label>
        <label className={label}>
          Template
          <select name="templateCollectionId" required className={field}>
            {templates.map((t) => (
              <option key={t.collectionId} value={t.collectionId}>
                {t.collectionKey} — {t.title}
              </option>
            ))}
          </select>
        </label>
        <label className={label}>
          Unique suffix
          <input name="uniqueSuffix" required className={field} placeholder="ev-42" />
        </label>
        <label className={label}>
          Mode
          <select name="emitMode" defaultValue="dry_run" className={field}>
            <option value="dry_run">dry_run</option>
            <option value="live">live</option>
          </select>
        </label>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="preview" defaultChecked /> Preview only (roll back)
        </label>
        <label className={label}>
          Run tag (optional)
          <input name="runTag" className={field} placeholder="canary-3" />
        </label>
        <label className={label}>
          Note (optional)
          <input name="note" className={field} />
        </label>
        <label className={label}>
          Reason (required for a live run)
          <input name="reason" className={field} />
        </label>
        <button type="submit" disabled={pending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white">
          {pending ? 'Running…' : 'Run'}
        </button>
      </form>
      <ActionResultView result={result} />
    </div>
  );
}

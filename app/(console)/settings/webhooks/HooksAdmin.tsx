'use client';

import { useActionState } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { HOOK_EVENT_LABELS, HOOK_EVENTS } from '@/lib/hooks/events';
import type { DeliveryView, HookView } from '@/lib/hooks/queries';
import { createHookAction, deleteHookAction, testHookAction, updateHookAction } from './actions';
import { DeliveryLog } from './DeliveryLog';

const field = 'rounded-md border border-slate-300 px-2 py-1 text-sm';
const button = 'rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium hover:bg-slate-50';

/** The fields a hook has, for adding one and for changing it. */
function HookFields({ hook }: { hook?: HookView }) {
  const chosen = new Set(hook?.events ?? ['apply.failed', 'break_glass', 'gate.leak', 'job.interrupted']);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-3">
        <label className="text-sm">
          Name <input name="name" required maxLength={80} defaultValue={hook?.name} className={field} />
        </label>
        <label className="grow text-sm">
          URL{' '}
          <input
            name="url"
            type="url"
            required
            maxLength={2000}
            defaultValue={hook?.url}
            placeholder="https://hooks.slack.com/services/…"
            className={`${field} w-full min-w-72`}
          />
        </label>
      </div>
      <fieldset className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        <legend className="mb-1 font-medium">Events</legend>
        {HOOK_EVENTS.map((e) => (
          <label key={e} className="flex items-center gap-1">
            <input type="checkbox" name="event" value={e} defaultChecked={chosen.has(e)} />
            {HOOK_EVENT_LABELS[e]}
          </label>
        ))}
      </fieldset>
      <div className="flex flex-wrap gap-4 text-sm">
        <label className="flex items-center gap-1">
          <input type="checkbox" name="slack" defaultChecked={hook?.slack ?? false} /> Slack-compatible body ({'{text}'}
          )
        </label>
        <label className="flex items-center gap-1">
          <input type="checkbox" name="enabled" defaultChecked={hook?.enabled ?? true} /> Enabled
        </label>
        {hook && (
          <label className="flex items-center gap-1">
            <input type="checkbox" name="renewSecret" /> Renew the secret (the old one stops signing at once)
          </label>
        )}
      </div>
    </div>
  );
}

export function HooksAdmin({ hooks, deliveries }: { hooks: HookView[]; deliveries: DeliveryView[] }) {
  const [created, create, creating] = useActionState(createHookAction, null);
  const [changed, change] = useActionState(async (_p: unknown, f: FormData) => {
    const op = f.get('op');
    f.delete('op');
    if (op === 'test') return testHookAction(null, f);
    if (op === 'delete') return deleteHookAction(null, f);
    return updateHookAction(null, f);
  }, null);
  const result = changed ?? created;
  const secret = result?.ok ? (result.result as { secret?: string }).secret : undefined;
  return (
    <div className="space-y-6">
      <details className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" open={hooks.length === 0}>
        <summary className="cursor-pointer text-sm font-semibold">Add a webhook</summary>
        <form action={create} className="mt-3 space-y-3" data-testid="add-hook-form">
          <HookFields />
          <button
            type="submit"
            disabled={creating}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white"
          >
            Add webhook
          </button>
        </form>
      </details>
      <ActionResultView result={result}>
        {secret && (
          <div className="mt-2 space-y-1">
            <p>The signing secret, shown only this once (the list shows its last four characters):</p>
            <code className="block break-all rounded bg-white px-2 py-1 font-mono" data-testid="hook-secret">
              {secret}
            </code>
          </div>
        )}
      </ActionResultView>
      {hooks.length === 0 && <p className="text-sm text-slate-500">No webhooks yet: nothing is sent anywhere.</p>}
      {hooks.map((h) => (
        <section
          key={h.id}
          className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
          data-testid="hook"
          aria-label={`Webhook ${h.name}`}
        >
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div className="space-y-1 text-sm">
              <h2 className="text-base font-semibold">
                {h.name}{' '}
                <span className={h.enabled ? 'text-emerald-700' : 'text-slate-500'}>
                  ({h.enabled ? 'enabled' : 'disabled'})
                </span>
              </h2>
              <p className="break-all font-mono text-xs">{h.url}</p>
              <p>
                Events: {h.events.join(', ')}
                {h.slack ? ' · Slack-compatible body' : ''}
              </p>
              <p className="text-slate-600">
                Secret <code className="font-mono">{h.secretMasked}</code> · added by {h.createdBy}
              </p>
            </div>
            <div className="flex gap-2">
              <form action={change}>
                <input type="hidden" name="op" value="test" />
                <input type="hidden" name="id" value={h.id} />
                <button type="submit" className={button} disabled={!h.enabled}>
                  Send test
                </button>
              </form>
              <form action={change}>
                <input type="hidden" name="op" value="delete" />
                <input type="hidden" name="id" value={h.id} />
                <button type="submit" className={`${button} text-red-700`} aria-label={`Delete ${h.name}`}>
                  Delete
                </button>
              </form>
            </div>
          </div>
          <details>
            <summary className="cursor-pointer text-sm font-medium">Change</summary>
            <form action={change} className="mt-3 space-y-3">
              <input type="hidden" name="op" value="update" />
              <input type="hidden" name="id" value={h.id} />
              <HookFields hook={h} />
              <button type="submit" className={button}>
                Save
              </button>
            </form>
          </details>
          <h3 className="text-sm font-semibold">Delivery log</h3>
          <DeliveryLog deliveries={deliveries.filter((d) => d.hookId === h.id)} />
        </section>
      ))}
    </div>
  );
}

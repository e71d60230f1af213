// Shared by the rollback and dialog journeys: instances made for a fresh actor string
// through the console's own route handler (the server holds the PGlite folder).
import { expect, type BrowserContext } from '@playwright/test';
import { uuid } from './helpers';

export interface TemplateRef {
  id: string;
  key: string;
}

/** Templates that already have instances in the demo data, read from the event-log export. */
export async function seededTemplates(ctx: BrowserContext): Promise<TemplateRef[]> {
  const res = await ctx.request.get('/api/events/export?format=json&status=ok');
  expect(res.status()).toBe(200);
  const rows = (await res.json()) as { template_collection_id: string; template_collection_key: string }[];
  const byId = new Map(rows.map((r) => [r.template_collection_id, r.template_collection_key]));
  return [...byId].map(([id, key]) => ({ id, key })).sort((a, b) => a.key.localeCompare(b.key));
}

export interface Made {
  instanceId: string;
  instanceKey: string;
  templateKey: string;
  mode: 'live' | 'dry_run';
}

/**
 * One committed instance as `<signed-in user>:<runTag>`: a kept dry run with a reason; live
 * after its preview, with the instance key typed and a reason, as the console's rules demand.
 */
export async function makeInstance(
  ctx: BrowserContext,
  tpl: TemplateRef,
  runTag: string,
  mode: 'live' | 'dry_run',
): Promise<Made> {
  const base = {
    eventId: uuid(),
    eventType: 'template.published',
    templateCollectionId: tpl.id,
    uniqueSuffix: `e2e-${uuid().slice(0, 8)}`,
    runTag,
  };
  // every commit applies a dry run's plan, a kept dry run too
  const p = await ctx.request.post('/api/recipes/instantiate-from-event', {
    data: { ...base, emitMode: 'dry_run', preview: true },
  });
  expect(p.status(), await p.text()).toBe(200);
  const planId = (await p.json()).plan.id as number;
  const data =
    mode === 'live'
      ? {
          ...base,
          planId,
          emitMode: 'live',
          confirmText: `inst:${tpl.key}/${base.uniqueSuffix}`,
          reason: 'e2e: instances to roll back',
        }
      : { ...base, planId, emitMode: 'dry_run', reason: 'e2e: a kept dry run to roll back' };
  const res = await ctx.request.post('/api/recipes/instantiate-from-event', { data });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ ok: true, committed: true });
  return {
    instanceId: body.result.instanceCollectionId,
    instanceKey: body.result.instanceCollectionKey,
    templateKey: tpl.key,
    mode,
  };
}

/** The actor's event-log rows, through the export (what the database holds). */
export async function exportedRows(ctx: BrowserContext, actor: string) {
  const res = await ctx.request.get(`/api/events/export?format=json&actor=${encodeURIComponent(actor)}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as {
    status: string;
    instance_collection_id: string | null;
    rolled_back_at: string | null;
    rolled_back_by: string | null;
  }[];
}

// The instantiate page's server side on each backend: the template picker's family/version
// labels, keeping a dry-run instance (a committed dry run), a second live run of the same
// event, and the client's "same parameters" rule held against the server's preview key.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeAuthorized, previewKey, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import { listAudit } from '@/lib/auth/audit';
import {
  instantiateActionInput,
  definition as instantiateFromEventDefinition,
} from '@/lib/recipes/instantiate-from-event/recipe';
import { listTemplateOptions, templateOptionLabel } from '@/lib/queries/console';
import { composeTemplateVersion } from '@/lib/recipes';
import { describeStatus } from '@/lib/recipes/messages';
import { newEventId, paramsKey, type InstantiateValues } from '@/app/(console)/instantiate/params';
import { backends, useTestDatabase } from './helpers/db';
import { count, makeTemplate, uniq, uuid, type Template } from './helpers/substrate';

const olga: Identity = {
  userId: 'id-olga',
  username: 'olga',
  role: 'operator',
  mustChangePassword: false,
  source: 'session',
};
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(backends())('instantiate page actions on $name', (backend) => {
  const t = useTestDatabase(backend);
  let tpl: Template;
  const caller = (identity: Identity = olga): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const run = (input: Record<string, unknown>, identity: Identity = olga) =>
    executeAuthorized(instantiateFromEventDefinition, caller(identity), input);
  const lastAudit = async () => (await listAudit(t.db.orm, { limit: 1 }))[0];
  const instances = () => count(t.db, 'iu_piece_collection WHERE instance_template_id IS NOT NULL');
  const logRows = () => count(t.db, 'iu_auto_instantiate_event_log');
  const params = (over: Record<string, unknown> = {}) => ({
    eventId: uuid(),
    eventType: 'template.published',
    templateCollectionId: tpl.id,
    uniqueSuffix: uniq('s'),
    ...over,
  });
  const preview = (p: Record<string, unknown>) => run({ ...p, emitMode: 'dry_run', preview: 'on' });
  /** A dry run's plan id, for the apply that follows. */
  const planOf = async (p: Record<string, unknown>) => {
    const r = await preview(p);
    if (!r.ok || !r.plan) throw new Error(`no plan: ${r.message}`);
    return r.plan.id;
  };

  beforeAll(async () => {
    tpl = await makeTemplate(t.db);
  });

  let before: { instances: number; log: number; audit: number };
  beforeEach(async () => {
    before = { instances: await instances(), log: await logRows(), audit: await count(t.db, 'console_audit_log') };
  });

  it('labels template options with family and version, newest version first, unregistered templates last', async () => {
    const family = `tpl:${uniq('pick')}`;
    const pieces = [{ role: 'a', newPiece: { canonicalAddress: `pick/${uniq('a')}`, title: 'A', body: 'a' } }];
    for (const n of [1, 2]) {
      const r = await composeTemplateVersion(
        { db: t.db, user: 'carol' },
        {
          family,
          title: `Pick ${n}`,
          label: `pick v${n}`,
          pieces:
            n === 1
              ? pieces
              : [{ role: 'a', newPiece: { canonicalAddress: `pick/${uniq('b')}`, title: 'A2', body: 'a2' } }],
          commit: true,
        },
      );
      expect(r.ok).toBe(true);
    }
    const options = await listTemplateOptions(t.db);
    const mine = options.filter((o) => o.family === family);
    expect(mine.map((o) => [o.versionLabel, o.isLatest, o.label])).toEqual([
      ['v2', true, `${family} v2 (latest) · Pick 2`],
      ['v1', false, `${family} v1 · Pick 1`],
    ]);
    expect(mine[0]).toMatchObject({ collectionKey: `${family}/v2`, versionSeq: 2, activePieceCount: 1 });
    const loose = options.find((o) => o.collectionId === tpl.id)!;
    expect(loose).toMatchObject({
      family: null,
      versionLabel: null,
      isLatest: false,
      label: `${tpl.key} (no version) · A template`,
    });
    // registered families come first, unregistered templates after them
    expect(options.indexOf(loose)).toBeGreaterThan(options.indexOf(mine[1]));
    expect(templateOptionLabel({ ...mine[0], activePieceCount: 0 })).toBe(
      `${family} v2 (latest) · Pick 2 · no active pieces`,
    );
  });

  it('keeps a dry-run instance when a dry run is committed with a reason, and records it as a committed dry run', async () => {
    const p = params({ note: 'keep me', runTag: 'keep-1' });
    const planId = await planOf(p);
    const r = await run({ ...p, planId, emitMode: 'dry_run', preview: '', reason: 'keep it for the design review' });
    expect(r).toMatchObject({ ok: true, committed: true, status: 'ok', actor: 'olga:keep-1' });
    if (!r.ok) throw new Error(r.message);
    expect(r.result).toMatchObject({
      emitMode: 'dry_run',
      instanceCollectionKey: `dryrun:${tpl.key}/${p.uniqueSuffix}`,
      pieceCount: 3,
    });
    const [row] = await t.db.query<{ collection_key: string; instance_emit_mode: string; created_by: string }>(
      'SELECT collection_key, instance_emit_mode, created_by FROM iu_piece_collection WHERE id = $1::uuid',
      [r.result.instanceCollectionId],
    );
    expect(row).toEqual({
      collection_key: `dryrun:${tpl.key}/${p.uniqueSuffix}`,
      instance_emit_mode: 'dry_run',
      created_by: 'olga:keep-1',
    });
    expect(await instances()).toBe(before.instances + 1);
    expect(await lastAudit()).toMatchObject({
      recipe: 'instantiate_from_event',
      mode: 'dry_run',
      decision: 'ok',
      committed: true,
      reason: 'keep it for the design review',
      actor: 'olga:keep-1',
    });
  });

  it('refuses to keep a dry-run instance without a reason, and writes nothing but its audit row', async () => {
    const r = await run({ ...params(), emitMode: 'dry_run', preview: '' });
    expect(r).toMatchObject({ ok: false, decision: 'invalid', status: 'invalid_input', committed: false });
    if (r.ok) throw new Error('kept without a reason');
    expect(r.issues).toEqual([
      { field: 'reason', message: 'A reason is required for this; say why you are doing it.' },
    ]);
    expect(await instances()).toBe(before.instances);
    expect(await logRows()).toBe(before.log);
    expect(await count(t.db, 'console_audit_log')).toBe(before.audit + 1);
  });

  it('goes live after keeping the dry run of the same parameters: the dryrun: and the inst: instance both stand', async () => {
    const p = params();
    expect(
      await run({ ...p, planId: await planOf(p), emitMode: 'dry_run', preview: '', reason: 'keep' }),
    ).toMatchObject({ ok: true, committed: true });
    // the kept dry run used its plan up; the live run applies a dry run of its own, which
    // predicted a live run would make the instance although the dry run itself now replays
    const again = await preview(p);
    expect(again).toMatchObject({
      ok: true,
      status: 'idempotent_replay',
      result: { livePrediction: { status: 'ok', instanceCollectionKey: `inst:${tpl.key}/${p.uniqueSuffix}` } },
    });
    const live = await run({
      ...p,
      planId: again.ok ? again.plan?.id : null,
      emitMode: 'live',
      reason: 'go live',
      confirmText: `inst:${tpl.key}/${p.uniqueSuffix}`,
    });
    expect(live).toMatchObject({ ok: true, committed: true, status: 'ok' });
    const keys = await t.db.query<{ collection_key: string }>(
      'SELECT collection_key FROM iu_piece_collection WHERE instance_event_id = $1::uuid ORDER BY collection_key',
      [p.eventId],
    );
    expect(keys.map((k) => k.collection_key)).toEqual([
      `dryrun:${tpl.key}/${p.uniqueSuffix}`,
      `inst:${tpl.key}/${p.uniqueSuffix}`,
    ]);
  });

  it('answers a second live run of the same event with idempotent_replay and the existing instance, making nothing new', async () => {
    const p = params({ runTag: 'twice' });
    const confirm = { emitMode: 'live', reason: 'go', confirmText: `inst:${tpl.key}/${p.uniqueSuffix}` };
    const first = await run({ ...p, ...confirm, planId: await planOf(p) });
    if (!first.ok) throw new Error(first.message);
    // a live run after a live run still needs its own dry run, which now says it would replay
    const pre = await preview(p);
    expect(pre).toMatchObject({
      ok: true,
      committed: false,
      status: 'ok',
      result: { livePrediction: { status: 'idempotent_replay', originalEventLogId: first.result.eventLogId } },
    });
    const second = await run({ ...p, ...confirm, planId: pre.ok ? pre.plan?.id : null });
    expect(second).toMatchObject({ ok: true, status: 'idempotent_replay', committed: true });
    if (!second.ok) throw new Error(second.message);
    expect(second.result.instanceCollectionId).toBe(first.result.instanceCollectionId);
    expect(second.result.originalEventLogId).toBe(first.result.eventLogId);
    expect(describeStatus(second.status)).toMatch(/already instantiated/);
    expect(await instances()).toBe(before.instances + 1);
    // the replay's own log row, pointing at the original
    expect(await count(t.db, 'iu_auto_instantiate_event_log WHERE event_id = $1::uuid', [p.eventId])).toBe(2);
  });

  it('refuses a live run whose suffix changed after the preview, and makes nothing', async () => {
    const p = params();
    const planId = await planOf(p);
    const changed = { ...p, uniqueSuffix: uniq('changed') };
    const r = await run({
      ...changed,
      planId,
      emitMode: 'live',
      reason: 'go',
      confirmText: `inst:${tpl.key}/${changed.uniqueSuffix}`,
    });
    expect(r).toMatchObject({
      ok: false,
      decision: 'refused',
      status: 'plan_required',
      message: expect.stringContaining(`Plan #${planId} previewed other parameters (uniqueSuffix differ)`),
    });
    expect(await instances()).toBe(before.instances);
    expect(await logRows()).toBe(before.log);
  });

  it('treats two sets of form values as the same parameters exactly when the server does', () => {
    const base: InstantiateValues = {
      eventId: uuid(),
      eventType: 'template.published',
      templateCollectionId: tpl.id,
      uniqueSuffix: 'ev-1',
      note: 'n',
      runTag: 'tag',
    };
    const serverKey = (v: InstantiateValues) => {
      const parsed = instantiateActionInput.safeParse({ ...v, emitMode: 'dry_run', preview: 'on' });
      if (!parsed.success) throw new Error(parsed.error.message);
      return previewKey(
        'olga',
        instantiateFromEventDefinition.name,
        instantiateFromEventDefinition.plan!.params(parsed.data),
      );
    };
    const variants: Partial<InstantiateValues>[] = [
      {},
      { eventId: base.eventId.toUpperCase() },
      { eventId: ` ${base.eventId} ` },
      { templateCollectionId: tpl.id.toUpperCase() },
      { uniqueSuffix: ' ev-1 ' },
      { note: ' n ' },
      { note: '' },
      { note: '   ' },
      { runTag: '' },
      { eventType: ' template.published ' },
      { eventType: 'template.updated' },
      { uniqueSuffix: 'ev-2' },
      { note: 'N' },
      { runTag: 'other' },
      { eventId: uuid() },
      { templateCollectionId: uuid() },
    ];
    for (const a of variants) {
      for (const b of variants) {
        const va = { ...base, ...a };
        const vb = { ...base, ...b };
        expect(paramsKey(va) === paramsKey(vb), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
          serverKey(va) === serverKey(vb),
        );
      }
    }
  });
});

describe('a new event id', () => {
  it('is a v4 UUID with randomUUID and without it (plain http is not a secure context)', () => {
    expect(newEventId()).toMatch(UUID_V4);
    const insecure = {
      getRandomValues: <T extends ArrayBufferView | null>(a: T) =>
        globalThis.crypto.getRandomValues(a as Uint8Array) as unknown as T,
    };
    const ids = new Set(Array.from({ length: 50 }, () => newEventId(insecure as Pick<Crypto, 'getRandomValues'>)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });
});

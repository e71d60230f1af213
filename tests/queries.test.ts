// The dashboards' read queries (lib/queries) on small data, on both backends: keyset pages,
// filters, the event detail, export batches, the version diff, the summary and the actors.
import { beforeAll, describe, expect, it } from 'vitest';
import { composeTemplateVersion, instantiateFromEvent, rollbackByActor, bulkScaleOut } from '@/lib/recipes';
import { getActivity } from '@/lib/queries/activity';
import { getActorTimeline, listActors, type TimelineSource } from '@/lib/queries/actors';
import {
  decodeCursor,
  exportRecord,
  getEvent,
  listEvents,
  parseEventFilters,
  streamEvents,
  type EventRow,
} from '@/lib/queries/events';
import { getInstance } from '@/lib/queries/instances';
import { getSummary } from '@/lib/queries/summary';
import { diffPieces } from '@/lib/queries/template-diff';
import { diffVersions, getFamily, listFamilies } from '@/lib/queries/template-families';
import { listTemplates } from '@/lib/queries/templates';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate, uuid } from './helpers/substrate';

const FAMILY = 'qfam';

describe.each(backends())('dashboard queries on $name', (backend) => {
  const t = useTestDatabase(backend);
  const versions: { id: string; key: string }[] = [];
  const tie = new Date('2026-01-15T12:00:00.123456Z');
  let tieTemplate = '';

  beforeAll(async () => {
    const ctx = (user: string, runTag?: string) => ({ db: t.db, user, runTag });
    // v1: a, b, c · v2: a reused, b new text, c dropped, d added · v3: a, b reused, e added
    const v1 = await composeTemplateVersion(ctx('alice'), {
      family: FAMILY,
      title: 'Q',
      label: 'Q v1',
      commit: true,
      pieces: ['a', 'b', 'c'].map((role) => ({
        role,
        newPiece: { canonicalAddress: `q/v1/${role}`, title: role, body: `body ${role} v1` },
      })),
    });
    if (!v1.ok) throw new Error(v1.message);
    const p1 = Object.fromEntries(v1.result.pieces.map((p) => [p.role, p.iuId]));
    const v2 = await composeTemplateVersion(ctx('bob'), {
      family: FAMILY,
      title: 'Q',
      label: 'Q v2',
      commit: true,
      pieces: [
        { role: 'a', iuId: p1.a },
        { role: 'b', newPiece: { canonicalAddress: 'q/v2/b', title: 'b', body: 'body b v2' } },
        { role: 'd', newPiece: { canonicalAddress: 'q/v2/d', title: 'd', body: 'body d v2' } },
      ],
    });
    if (!v2.ok) throw new Error(v2.message);
    const p2 = Object.fromEntries(v2.result.pieces.map((p) => [p.role, p.iuId]));
    const v3 = await composeTemplateVersion(ctx('carol'), {
      family: FAMILY,
      title: 'Q',
      label: 'Q v3',
      commit: true,
      pieces: [
        { role: 'a', iuId: p1.a },
        { role: 'b', iuId: p2.b },
        { role: 'e', newPiece: { canonicalAddress: 'q/v3/e', title: 'e', body: 'body e v3' } },
      ],
    });
    if (!v3.ok) throw new Error(v3.message);
    for (const v of [v1, v2, v3]) if (v.ok) versions.push({ id: v.result.collectionId, key: v.result.collectionKey });

    // events: dana makes live instances, erin:run-1 dry runs via bulk, a replay, a refusal
    for (let i = 0; i < 3; i++) {
      const r = await instantiateFromEvent(ctx('dana'), {
        eventId: uuid(),
        eventType: 'doc.created',
        templateCollectionId: versions[2].id,
        uniqueSuffix: `dana-${i}`,
        emitMode: 'live',
        commit: true,
      });
      expect(r.status).toBe('ok');
    }
    const b = await bulkScaleOut(ctx('erin', 'run-1'), {
      templateKey: versions[1].key,
      n: 5,
      uuidPrefix: 'abcdef01-',
      batchTag: 'erin',
      emitMode: 'dry_run',
      eventType: 'review.requested',
      commit: true,
    });
    expect(b.ok).toBe(true);
    await rollbackByActor(ctx('lead'), { actor: 'erin:run-1', dryRun: false });

    // 25 rows with one created_at, for keyset ties (written directly: test data, not a recipe)
    tieTemplate = versions[0].id;
    await t.db.query(
      `INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id, unique_suffix, emit_mode, status, triggered_by, created_at)
       SELECT gen_random_uuid(), 'tie.test', $1::uuid, 'tie-' || g, 'live', CASE WHEN g % 5 = 0 THEN 'live_gate_closed' ELSE 'composer_gate_closed' END, 'frank', $2::timestamptz
         FROM generate_series(1, 25) g`,
      [tieTemplate, tie.toISOString()],
    );
  });

  async function walk(filters: Parameters<typeof listEvents>[1], limit: number) {
    const pages: EventRow[][] = [];
    let after = null;
    for (;;) {
      const p = await listEvents(t.db, filters, { limit, after });
      pages.push(p.rows);
      if (!p.older) break;
      after = decodeCursor(p.older);
    }
    return pages;
  }

  it('walks a filter with tied created_at page by page, with no duplicate and no gap', async () => {
    const pages = await walk({ actor: 'frank' }, 7);
    const ids = pages.flat().map((r) => r.id);
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 4]);
    // newest first: same created_at, so by id descending
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('goes back to newer pages and gets the same rows', async () => {
    const first = await listEvents(t.db, { actor: 'frank' }, { limit: 7 });
    expect(first.newer).toBeNull();
    const second = await listEvents(t.db, { actor: 'frank' }, { limit: 7, after: decodeCursor(first.older) });
    expect(second.newer).not.toBeNull();
    const back = await listEvents(t.db, { actor: 'frank' }, { limit: 7, before: decodeCursor(second.newer) });
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(back.newer).toBeNull();
  });

  it('walks the whole unfiltered log without duplicates', async () => {
    const all = (await walk({}, 4)).flat();
    const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM iu_auto_instantiate_event_log');
    expect(all).toHaveLength(n);
    expect(new Set(all.map((r) => r.id)).size).toBe(n);
  });

  it('combines filters: actor and status, type and mode, template, date range, rolled back', async () => {
    const rows = async (f: Parameters<typeof listEvents>[1]) => (await listEvents(t.db, f, { limit: 500 })).rows;
    expect(await rows({ actor: 'frank', status: 'live_gate_closed' })).toHaveLength(5);
    expect(
      (await rows({ type: 'review.requested', mode: 'dry_run' })).every(
        (r) => r.eventType === 'review.requested' && r.emitMode === 'dry_run',
      ),
    ).toBe(true);
    expect(await rows({ type: 'review.requested', mode: 'dry_run' })).toHaveLength(5);
    expect(await rows({ type: 'review.requested', mode: 'live' })).toHaveLength(0);
    expect(await rows({ template: versions[2].id })).toHaveLength(3);
    expect(await rows({ from: '2026-01-15', to: '2026-01-15' })).toHaveLength(25);
    expect(await rows({ from: '2026-01-16', actor: 'frank' })).toHaveLength(0);
    const rolled = await rows({ rolledBack: 'yes' });
    expect(rolled).toHaveLength(5);
    expect(rolled.every((r) => r.triggeredBy === 'erin:run-1' && r.rolledBackBy === 'lead')).toBe(true);
    expect(await rows({ rolledBack: 'no', actor: 'erin:run-1' })).toHaveLength(0);
    expect(await rows({ actor: 'nobody' })).toHaveLength(0);
  });

  it('reads filters from a URL and drops values that cannot be valid', () => {
    expect(
      parseEventFilters(
        new URLSearchParams('actor=dana&mode=live&template=not-a-uuid&from=2026-01-01&rolledBack=maybe'),
      ),
    ).toEqual({
      actor: 'dana',
      mode: 'live',
      from: '2026-01-01',
    });
  });

  it('opens an instance by its id or by its key, and nothing for a key or id no instance has', async () => {
    const [row] = (await listEvents(t.db, { actor: 'dana' }, { limit: 1 })).rows;
    const byId = await getInstance(t.db, row.instanceCollectionId!);
    expect(byId).toMatchObject({
      id: row.instanceCollectionId,
      collectionKey: row.instanceCollectionKey,
      emitMode: 'live',
      createdBy: 'dana',
    });
    expect(byId?.pieces.length).toBeGreaterThan(0);
    expect(await getInstance(t.db, row.instanceCollectionKey!)).toEqual(byId);
    expect(await getInstance(t.db, 'inst:tpl:qfam/v3/nobody')).toBeNull();
    expect(await getInstance(t.db, versions[2].key)).toBeNull();
    expect(await getInstance(t.db, versions[2].id)).toBeNull();
  });

  it('opens one event with its template and instance keys', async () => {
    const [row] = (await listEvents(t.db, { actor: 'dana' }, { limit: 1 })).rows;
    const e = await getEvent(t.db, row.id);
    expect(e?.templateCollectionKey).toBe(versions[2].key);
    expect(e?.templateFamily).toBe(`tpl:${FAMILY}`);
    expect(e?.instanceCollectionKey).toMatch(/^inst:tpl:qfam\/v3\/dana-/);
    expect(await getEvent(t.db, 999_999_999)).toBeNull();
  });

  it('streams the filtered set for export in batches, every row once, as flat records', async () => {
    const out: EventRow[] = [];
    for await (const batch of streamEvents(t.db, { actor: 'frank' }, { batch: 6 })) {
      expect(batch.length).toBeLessThanOrEqual(6);
      out.push(...batch);
    }
    expect(out).toHaveLength(25);
    expect(new Set(out.map((r) => r.id)).size).toBe(25);
    const rec = exportRecord(out[0]);
    expect(rec.triggered_by).toBe('frank');
    expect(rec.created_at).toBe(tie.toISOString().replace('.123456Z', '.123Z'));
    expect(Object.keys(rec)).toContain('instance_collection_key');
  });

  it('draws the chain with who registered each version, and the pieces of each', async () => {
    const chain = await getFamily(t.db, `tpl:${FAMILY}`);
    expect(chain?.map((v) => [v.versionLabel, v.registeredBy, v.previousVersionLabel])).toEqual([
      ['v1', 'alice', null],
      ['v2', 'bob', 'v1'],
      ['v3', 'carol', 'v2'],
    ]);
    expect(chain?.[0].pieces.map((p) => p.role)).toEqual(['a', 'b', 'c']);
    expect(chain?.[2].liveInstanceCount).toBe(3);
    expect((await listFamilies(t.db)).find((f) => f.family === `tpl:${FAMILY}`)?.versions).toBe(3);
  });

  it('classifies a diff: pieces added, removed, reused, or with changed text', async () => {
    const d12 = await diffVersions(t.db, `tpl:${FAMILY}`, 'v1', 'v2');
    expect(Object.fromEntries(d12!.entries.map((e) => [e.role, e.kind]))).toEqual({
      a: 'reused',
      b: 'changed',
      c: 'removed',
      d: 'added',
    });
    expect(d12!.entries.find((e) => e.role === 'b')).toMatchObject({ bodyChanged: true, titleChanged: false });
    const d23 = await diffVersions(t.db, `tpl:${FAMILY}`, '2', '3');
    expect(Object.fromEntries(d23!.entries.map((e) => [e.role, e.kind]))).toEqual({
      a: 'reused',
      b: 'reused',
      d: 'removed',
      e: 'added',
    });
    expect(await diffVersions(t.db, `tpl:${FAMILY}`, 'v1', 'v9')).toBeNull();
    const same = { position: 1, role: 'x', canonicalAddress: 'x', title: 'x', body: 'x', status: 'active' };
    expect(diffPieces([{ ...same, iuId: '1' }], [{ ...same, iuId: '2' }])[0]).toMatchObject({
      kind: 'changed',
      bodyChanged: false,
      titleChanged: false,
    });
  });

  it('sorts the templates table with instance counts from the counters', async () => {
    const { rows } = await listTemplates(t.db, { sort: 'live', dir: 'desc', family: `tpl:${FAMILY}` });
    expect(rows.map((r) => [r.versionLabel, r.liveInstanceCount, r.dryRunInstanceCount])).toEqual([
      ['v3', 3, 0],
      ['v1', 0, 0],
      ['v2', 0, 0],
    ]);
    expect(rows[0].lastInstantiatedAt).toBeInstanceOf(Date);
  });

  it('summarises from the rollup exactly as a GROUP BY over the log would', async () => {
    const fromLog = await t.db.query<{ event_type: string; emit_mode: string; status: string; n: number; rb: number }>(
      `SELECT event_type, emit_mode, status, count(*)::int AS n, count(rolled_back_at)::int AS rb
         FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    const summary = (await getSummary(t.db))
      .map((s) => ({
        event_type: s.eventType,
        emit_mode: s.emitMode,
        status: s.status,
        n: s.eventCount,
        rb: s.rolledBackCount,
      }))
      .sort((a, b) =>
        `${a.event_type}${a.emit_mode}${a.status}`.localeCompare(`${b.event_type}${b.emit_mode}${b.status}`),
      );
    expect(summary).toEqual(fromLog);
  });

  it('lists actors with their counts and splits run tags', async () => {
    const actors = await listActors(t.db);
    const erin = actors.find((a) => a.actor === 'erin:run-1');
    expect(erin).toMatchObject({ user: 'erin', runTag: 'run-1', events: 5, instancesCreated: 5, rolledBack: 5 });
    expect(actors.find((a) => a.actor === 'frank')).toMatchObject({ events: 25, refusals: 25 });
  });

  it("merges an actor's timeline: instances, rollbacks of them, rollbacks run, and extra sources", async () => {
    const erin = await getActorTimeline(t.db, 'erin:run-1');
    // erin's five rows are one bulk run: one entry, not five
    expect(erin.entries.filter((e) => e.kind === 'instance')).toHaveLength(0);
    expect(erin.entries.filter((e) => e.kind === 'batch').map((e) => e.title)).toEqual([
      `bulk erin: 5 dry-run instances of ${versions[1].key}, rolled back by lead`,
    ]);
    expect(erin.entries.find((e) => e.kind === 'rolled_back')?.title).toBe(
      '5 instances of erin:run-1 rolled back by lead',
    );
    const lead = await getActorTimeline(t.db, 'lead');
    expect(lead.entries.map((e) => e.title)).toContain('Rolled back 5 instances of erin:run-1');
    const audit: TimelineSource = async () => [
      { kind: 'audit', at: new Date(), title: 'Console action', reason: 'cleanup' },
    ];
    const withAudit = await getActorTimeline(t.db, 'dana', { sources: [audit] });
    expect(withAudit.entries[0]).toMatchObject({ kind: 'audit', reason: 'cleanup' });
    const paged = await getActorTimeline(t.db, 'frank', { limit: 10 });
    expect(paged.entries).toHaveLength(10);
    expect(paged.older).not.toBeNull();
  });

  it('counts the overview from counters and rollups', async () => {
    const a = await getActivity(t.db);
    const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM iu_auto_instantiate_event_log');
    expect(a.counts).toMatchObject({ families: 1, templates: 3, liveInstances: 3, dryRunInstances: 0, events: n });
    expect(a.counts.eventsToday).toBe(n - 25);
    expect(a.counts.refusalsToday).toBe(0);
    expect(a.recent.length).toBeGreaterThan(0);
    expect(a.overTime.reduce((s, r) => s + r.count, 0)).toBe(n - 25);
  });

  // last: its refusal would change the overview's refusal count above
  it('names the collection of a template_not_marked refusal, which is not in the template index', async () => {
    const plain = await makeTemplate(t.db, { mark: false });
    const r = await instantiateFromEvent(
      { db: t.db, user: 'gina' },
      {
        eventId: uuid(),
        eventType: 'doc.created',
        templateCollectionId: plain.id,
        uniqueSuffix: 'unmarked-1',
        emitMode: 'dry_run',
        commit: true,
      },
    );
    expect(r.status).toBe('template_not_marked');
    const [row] = (await listEvents(t.db, { actor: 'gina' }, { limit: 1 })).rows;
    expect(row).toMatchObject({
      status: 'template_not_marked',
      templateCollectionKey: plain.key,
      templateFamily: null,
    });
    expect((await getEvent(t.db, row.id))?.templateCollectionKey).toBe(plain.key);
  });
});

// "Find anything" (lib/queries/search.ts) on both backends: each kind is found by what people
// paste (with or without the prefixes they leave off), a well-formed id that names nothing
// finds nothing, and hostile text is refused with a sentence or finds nothing, never throws.
import { beforeAll, describe, expect, it } from 'vitest';
import { composeTemplateVersion, instantiateFromEvent } from '@/lib/recipes';
import { search, searchProblem } from '@/lib/queries/search';
import { backends, useTestDatabase } from './helpers/db';
import { count, uuid } from './helpers/substrate';

describe.each(backends())('search on $name', (backend) => {
  const t = useTestDatabase(backend);
  const event = uuid();
  const other = uuid();
  let template = { id: '', key: '' };
  let instance = { id: '', key: '' };
  let logIds: number[] = [];

  beforeAll(async () => {
    const ctx = (user: string, runTag?: string) => ({ db: t.db, user, runTag });
    const v1 = await composeTemplateVersion(ctx('alice'), {
      family: 'findme',
      title: 'Find me',
      label: 'findme v1',
      commit: true,
      pieces: [{ role: 'a', newPiece: { canonicalAddress: 'find/v1/a', title: 'a', body: 'body a' } }],
    });
    if (!v1.ok) throw new Error(v1.message);
    template = { id: v1.result.collectionId, key: v1.result.collectionKey };
    const call = (
      user: string,
      runTag: string | undefined,
      eventId: string,
      suffix: string,
      emitMode: 'live' | 'dry_run',
    ) =>
      instantiateFromEvent(ctx(user, runTag), {
        eventId,
        eventType: 'doc.created',
        templateCollectionId: template.id,
        uniqueSuffix: suffix,
        emitMode,
        commit: true,
      });
    const made = await call('dana', undefined, event, 'first', 'live');
    if (made.status !== 'ok' || !made.ok) throw new Error(made.status);
    instance = { id: made.result.instanceCollectionId!, key: made.result.instanceCollectionKey! };
    expect((await call('dana', undefined, event, 'first', 'live')).status).toBe('idempotent_replay');
    expect((await call('dana', 'canary-3', other, 'second', 'dry_run')).status).toBe('ok');
    logIds = (await t.db.query<{ id: number }>('SELECT id FROM iu_auto_instantiate_event_log ORDER BY id')).map((r) =>
      Number(r.id),
    );
  });

  const kinds = async (q: string) => (await search(t.db, q)).hits.map((h) => `${h.kind} ${h.label}`);

  it('finds an event by its UUID, as one event however many log rows it has, in any letter case', async () => {
    const r = await search(t.db, `  ${event.toUpperCase()} `);
    expect(r.problem).toBeNull();
    expect(r.hits).toHaveLength(1);
    expect(r.hits[0]).toMatchObject({ kind: 'event', label: event, href: `/events?eventId=${event}&event=${event}` });
    expect(r.hits[0].detail).toContain('2 log rows (idempotent_replay, ok) by dana');
  });

  it('finds a log row by its number, with or without a #', async () => {
    expect(await kinds(String(logIds[0]))).toEqual([`log #${logIds[0]}`]);
    expect((await search(t.db, `#${logIds[1]}`)).hits[0]).toMatchObject({
      kind: 'log',
      href: `/events?event=${logIds[1]}`,
    });
  });

  it('finds an instance by its key, by its key without inst:, and by its id', async () => {
    expect(await kinds(instance.key)).toEqual([`instance ${instance.key}`]);
    expect(await kinds(instance.key.replace(/^inst:/, ''))).toEqual([`instance ${instance.key}`]);
    const byId = await search(t.db, instance.id);
    expect(byId.hits).toEqual([expect.objectContaining({ kind: 'instance', href: `/instances/${instance.id}` })]);
  });

  it('finds a template by its key, with or without tpl:, and by its id, linking to its place in the chain', async () => {
    expect(template.key).toBe('tpl:findme/v1');
    for (const q of ['tpl:findme/v1', 'findme/v1', template.id]) {
      const r = await search(t.db, q);
      expect(r.hits).toEqual([
        expect.objectContaining({
          kind: 'template',
          label: 'tpl:findme/v1',
          href: '/templates/families/tpl%3Afindme?highlight=v1',
        }),
      ]);
    }
  });

  it('finds a template family with or without tpl:', async () => {
    expect(await kinds('tpl:findme')).toEqual(['family tpl:findme']);
    expect(await kinds('findme')).toEqual(['family tpl:findme']);
  });

  it('finds an actor exactly, and a user with all of their run tags', async () => {
    expect(await kinds('dana')).toEqual(['actor dana', 'actor dana:canary-3']);
    expect(await kinds('dana:canary-3')).toEqual(['actor dana:canary-3']);
    expect((await search(t.db, 'dana:canary-3')).hits[0].href).toBe('/actors/dana%3Acanary-3');
  });

  it('finds nothing for a UUID, a number or a key that names nothing', async () => {
    for (const q of [uuid(), '99999999', 'inst:tpl:findme/v1/nope', 'tpl:nofamily', 'nobody', '0', '-1', '1.5']) {
      expect(await search(t.db, q), q).toMatchObject({ hits: [], problem: null });
    }
  });

  it('refuses empty, over-long and control-character searches with a sentence saying what to do', async () => {
    expect((await search(t.db, '   ')).problem).toMatch(/^Type an event id/);
    const long = await search(t.db, 'x'.repeat(10_240));
    expect(long.hits).toEqual([]);
    expect(long.problem).toBe('A search is at most 200 characters; this one has 10,240. Paste just the id or key.');
    expect(long.query.length).toBeLessThanOrEqual(200);
    expect((await search(t.db, `dana\u0000`)).problem).toBe(
      'The search contains a control character (U+0000); remove it and search again.',
    );
    expect(searchProblem('\ud800')).toMatch(/half of a two-part character/);
  });

  it('treats SQL and pattern characters as text: they find nothing and change nothing', async () => {
    const before = await count(t.db, 'iu_auto_instantiate_event_log');
    for (const q of [
      "'; DROP TABLE iu_auto_instantiate_event_log; --",
      '%',
      '_',
      'dana%',
      "dana' OR '1'='1",
      '\\',
      '$1',
      'tpl:%',
      ':',
    ]) {
      expect(await search(t.db, q), q).toMatchObject({ hits: [], problem: null });
    }
    expect(await count(t.db, 'iu_auto_instantiate_event_log')).toBe(before);
  });
});

// Bad input to every engine recipe: refused as invalid_input with a message naming the
// field, and nothing written to any table.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  bulkScaleOut,
  composeTemplateVersion,
  instantiateFromEvent,
  rollbackByActor,
  type RecipeContext,
  type RecipeResult,
} from '@/lib/recipes';
import { backends, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, snapshot, uniq, uuid, type Template } from './helpers/substrate';

const HOSTILE = "'); DROP TABLE dot_config; --";
const LONG = 'x'.repeat(100_001);
const NUL = 'bad\u0000value';
const BEL = 'bad\u0007value';
const ESC = 'bad\u001b[31mvalue';

type Case = [description: string, field: string, message: RegExp, run: (c: Ctx) => Promise<RecipeResult<unknown>>];
interface Ctx {
  ctx: (over?: Partial<RecipeContext>) => RecipeContext;
  tpl: Template;
}

const instantiateBase = (tpl: Template) => ({
  eventId: uuid(),
  eventType: 'template.published',
  templateCollectionId: tpl.id,
  uniqueSuffix: uniq('s'),
  emitMode: 'live' as const,
  commit: true,
});
const inst =
  (over: Record<string, unknown>, ctxOver: Partial<RecipeContext> = {}) =>
  (c: Ctx) =>
    instantiateFromEvent(c.ctx(ctxOver), { ...instantiateBase(c.tpl), ...over } as never);

const composeBase = () => ({
  family: uniq('fam'),
  title: 'Title',
  pieces: [
    { role: 'title', newPiece: { canonicalAddress: `iu_core/template/t/${uniq('a')}/title`, title: 't', body: 'b' } },
  ],
  label: 'Label',
  commit: true,
});
const comp =
  (over: Record<string, unknown>, ctxOver: Partial<RecipeContext> = {}) =>
  (c: Ctx) =>
    composeTemplateVersion(c.ctx(ctxOver), { ...composeBase(), ...over } as never);
const piece = (p: Record<string, unknown>) => ({ pieces: [p] });
const newPiece = (np: Record<string, unknown>) =>
  piece({
    role: 'r',
    newPiece: { canonicalAddress: `iu_core/template/t/${uniq('a')}/r`, title: 't', body: 'b', ...np },
  });

const bulkBase = (tpl: Template) => ({
  templateCollectionId: tpl.id,
  n: 3,
  uuidPrefix: '25000b00-',
  batchTag: uniq('batch'),
  emitMode: 'live' as const,
  commit: true,
});
const bulk =
  (over: Record<string, unknown>, ctxOver: Partial<RecipeContext> = {}) =>
  (c: Ctx) =>
    bulkScaleOut(c.ctx(ctxOver), { ...bulkBase(c.tpl), ...over } as never);

const rb =
  (over: Record<string, unknown>, ctxOver: Partial<RecipeContext> = {}) =>
  (c: Ctx) =>
    rollbackByActor(c.ctx(ctxOver), { actor: 'someone', dryRun: false, ...over } as never);

const cases: Record<string, Case[]> = {
  instantiateFromEvent: [
    ['an event id that is not a UUID', 'eventId', /event id/, inst({ eventId: 'not-a-uuid' })],
    [
      'an event id with a non-hex prefix such as 25000bk0-',
      'eventId',
      /event id/,
      inst({ eventId: '25000bk0-0000-4000-8000-000000000001' }),
    ],
    ['a missing event id', 'eventId', /event id/, inst({ eventId: undefined })],
    [
      'a template id that is not a UUID',
      'templateCollectionId',
      /template id/,
      inst({ templateCollectionId: HOSTILE }),
    ],
    ['hostile text as the suffix', 'uniqueSuffix', /unique suffix/, inst({ uniqueSuffix: HOSTILE })],
    ['a 65-character suffix', 'uniqueSuffix', /unique suffix/, inst({ uniqueSuffix: 'a'.repeat(65) })],
    ['a very long event type', 'eventType', /event type/, inst({ eventType: LONG })],
    ['a NUL in the event type', 'eventType', /event type.*control characters/, inst({ eventType: NUL })],
    ['an escape sequence in the event type', 'eventType', /event type.*control characters/, inst({ eventType: ESC })],
    ['a blank event type', 'eventType', /event type/, inst({ eventType: '   ' })],
    ['a bell in the note', 'note', /note.*control characters/, inst({ note: BEL })],
    ['a very long note', 'note', /note/, inst({ note: LONG })],
    ['an emit mode other than dry_run or live', 'emitMode', /mode/, inst({ emitMode: 'production' })],
    ['a blank user', 'user', /user name/, inst({}, { user: '' })],
    ['hostile text as the user', 'user', /user name/, inst({}, { user: HOSTILE })],
    ['a very long user', 'user', /user name/, inst({}, { user: 'u'.repeat(65) })],
    ['a user with a control character', 'user', /user name/, inst({}, { user: BEL })],
    ['hostile text as the run tag', 'runTag', /run tag/, inst({}, { runTag: HOSTILE })],
  ],
  composeTemplateVersion: [
    ['hostile text as the family', 'family', /family/, comp({ family: HOSTILE })],
    ['a very long family', 'family', /family name is at most 80/, comp({ family: 'f'.repeat(81) })],
    ['a NUL in the title', 'title', /title.*control characters/, comp({ title: NUL })],
    ['a very long title', 'title', /title/, comp({ title: LONG })],
    ['a blank label', 'label', /label/, comp({ label: ' ' })],
    ['no pieces', 'pieces', /piece/, comp({ pieces: [] })],
    [
      'a reused piece id with a non-hex prefix such as 25000bk0-',
      'pieces.0.iuId',
      /reused piece id/,
      comp(piece({ role: 'r', iuId: '25000bk0-0000-4000-8000-000000000001' })),
    ],
    [
      'a canonical address with spaces',
      'pieces.0.newPiece.canonicalAddress',
      /canonical address/,
      comp(newPiece({ canonicalAddress: 'a b' })),
    ],
    ['a very long piece body', 'pieces.0.newPiece.body', /piece body/, comp(newPiece({ body: LONG }))],
    [
      'an escape sequence in a piece title',
      'pieces.0.newPiece.title',
      /piece title.*control characters/,
      comp(newPiece({ title: ESC })),
    ],
    [
      'a role used twice',
      'pieces.1.role',
      /role/,
      comp({ pieces: [...composeBase().pieces, ...composeBase().pieces] }),
    ],
    [
      'a previous version id that is not a UUID',
      'previousCollectionId',
      /previous version id/,
      comp({ previousCollectionId: HOSTILE }),
    ],
    ['a blank user', 'user', /user name/, comp({}, { user: '' })],
  ],
  bulkScaleOut: [
    ['N = 0', 'n', /N must be at least 1/, bulk({ n: 0 })],
    ['a negative N', 'n', /N must be at least 1/, bulk({ n: -5 })],
    ['a fractional N', 'n', /whole number/, bulk({ n: 2.5 })],
    ['an N that is not a number', 'n', /N must be a whole number/, bulk({ n: 'ten' })],
    ['N above the default cap of 10,000', 'n', /N is at most 10,000/, bulk({ n: 10_001 })],
    ['a non-hex prefix such as 25000bk0-', 'uuidPrefix', /event-id prefix.*hex/, bulk({ uuidPrefix: '25000bk0-' })],
    ['hostile text as the prefix', 'uuidPrefix', /event-id prefix/, bulk({ uuidPrefix: HOSTILE })],
    ['hostile text as the batch tag', 'batchTag', /batch tag/, bulk({ batchTag: HOSTILE })],
    ['a very long batch tag', 'batchTag', /batch tag/, bulk({ batchTag: 'b'.repeat(52) })],
    ['a template id that is not a UUID', 'templateCollectionId', /template id/, bulk({ templateCollectionId: 'nope' })],
    ['neither a template id nor a key', 'templateCollectionId', /template/, bulk({ templateCollectionId: undefined })],
    ['a NUL in the event type', 'eventType', /event type.*control characters/, bulk({ eventType: NUL })],
    ['an emit mode other than dry_run or live', 'emitMode', /mode/, bulk({ emitMode: 'bogus' })],
    ['a blank user', 'user', /user name/, bulk({}, { user: '' })],
  ],
  rollbackByActor: [
    ['an empty actor', 'actor', /actor/, rb({ actor: '' })],
    ['a blank actor', 'actor', /actor/, rb({ actor: '   ' })],
    ['an actor with a leading space', 'actor', /actor.*spaces/, rb({ actor: ' someone' })],
    ['a very long actor', 'actor', /actor/, rb({ actor: 'a'.repeat(201) })],
    ['a NUL in the actor', 'actor', /actor.*control characters/, rb({ actor: NUL })],
    ['a bell in the actor', 'actor', /actor.*control characters/, rb({ actor: BEL })],
    ['a dry-run flag that is not a boolean', 'dryRun', /dry run/, rb({ dryRun: 'yes' })],
    ['a blank user', 'user', /user name/, rb({}, { user: '' })],
    ['hostile text as the user', 'user', /user name/, rb({}, { user: HOSTILE })],
  ],
};

describe.each(backends())('bad input to the recipes on $name', (backend) => {
  const t = useTestDatabase(backend);
  let c: Ctx;

  beforeAll(async () => {
    const tpl = await makeTemplate(t.db);
    c = { tpl, ctx: (over = {}) => ({ db: t.db, user: 'alice', gateWaitMs: 10_000, ...over }) };
  });

  afterEach(async () => {
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  for (const [recipe, list] of Object.entries(cases)) {
    describe(recipe, () => {
      it.each(list)('refuses %s as invalid_input naming %s, writing nothing', async (_why, field, message, run) => {
        const before = await snapshot(t.db);
        const r = await run(c);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.status).toBe('invalid_input');
        expect(r.committed).toBe(false);
        expect(r.issues?.map((i) => i.field)).toContain(field);
        expect(r.message).toMatch(message);
        expect(await snapshot(t.db)).toEqual(before);
      });
    });
  }

  describe('the bulk cap from IU_BULK_MAX', () => {
    const saved = process.env.IU_BULK_MAX;
    afterEach(() => {
      if (saved === undefined) delete process.env.IU_BULK_MAX;
      else process.env.IU_BULK_MAX = saved;
    });

    it('refuses N above IU_BULK_MAX, naming the setting, and accepts N at the cap', async () => {
      process.env.IU_BULK_MAX = '5';
      const before = await snapshot(t.db);
      const r = await bulk({ n: 6 })(c);
      expect(r).toMatchObject({ ok: false, status: 'invalid_input', committed: false });
      expect(r.ok ? '' : r.message).toMatch(/N is at most 5 \(IU_BULK_MAX\)/);
      expect(await snapshot(t.db)).toEqual(before);
      expect(await bulk({ n: 5, commit: false })(c)).toMatchObject({ ok: true, committed: false });
    });
  });

  describe('hostile text where free text is allowed', () => {
    it('stores it verbatim as data and drops nothing', async () => {
      const eventId = uuid();
      const r = await instantiateFromEvent(c.ctx(), {
        ...instantiateBase(c.tpl),
        eventId,
        eventType: HOSTILE,
        note: HOSTILE,
      });
      expect(r).toMatchObject({ ok: true, status: 'ok', committed: true });
      const [row] = await t.db.query<{ event_type: string; note: string }>(
        `SELECT event_type, note FROM iu_auto_instantiate_event_log WHERE event_id = $1`,
        [eventId],
      );
      expect(row).toEqual({ event_type: HOSTILE, note: HOSTILE });
      const composed = await composeTemplateVersion(c.ctx(), { ...composeBase(), title: HOSTILE, label: HOSTILE });
      expect(composed).toMatchObject({ ok: true, committed: true });
      const roll = await rollbackByActor(c.ctx(), { actor: HOSTILE, dryRun: false });
      expect(roll).toMatchObject({ ok: true, result: { instanceCount: 0 } });
      expect(await count(t.db, 'dot_config')).toBe(4);
      expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
    });
  });
});

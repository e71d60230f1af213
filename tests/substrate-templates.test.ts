// fn_iu_collection_mark_as_template and fn_iu_collection_register_template_version: every
// status, the order of the checks, and that neither is gated.
import { describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from './helpers/db';
import {
  call,
  gateValues,
  ALL_CLOSED,
  instantiate,
  makeTemplate,
  snapshot,
  uniq,
  uuid,
  type Json,
} from './helpers/substrate';

describe.each(backends())('template marking and version chains on $name', (backend) => {
  const t = useTestDatabase(backend);

  async function writesNothing(fn: () => Promise<Json>): Promise<Json> {
    const before = await snapshot(t.db);
    const out = await fn();
    expect(await snapshot(t.db)).toEqual(before);
    return out;
  }

  const mark = (
    id: string | null,
    label: string | null = 'label',
    actor: string | null = 'marker',
    note: string | null = 'note',
  ) => call(t.db, `fn_iu_collection_mark_as_template($1::uuid, $2, $3, $4)`, [id, label, note, actor]);

  const register = (
    id: string | null,
    family: string | null,
    label: string | null,
    seq: number | null,
    previous: string | null = null,
    actor: string | null = 'registrar',
  ) =>
    call(t.db, `fn_iu_collection_register_template_version($1::uuid, $2, $3, $4::int, $5::uuid, $6)`, [
      id,
      family,
      label,
      seq,
      previous,
      actor,
    ]);

  describe('fn_iu_collection_mark_as_template', () => {
    it('marks a collection as a template without any gate open', async () => {
      expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
      const c = await makeTemplate(t.db, { mark: false });
      const r = await mark(c.id, 'Design doc', 'lead-1', 'first cut');
      expect(r).toMatchObject({
        status: 'ok',
        collection_id: c.id,
        collection_key: c.key,
        template_label: 'Design doc',
      });
      const [row] = await t.db.query(
        `SELECT is_template, template_label, template_note, marked_by FROM iu_piece_collection WHERE id = $1`,
        [c.id],
      );
      expect(row).toEqual({
        is_template: true,
        template_label: 'Design doc',
        template_note: 'first cut',
        marked_by: 'lead-1',
      });
    });

    it('answers already_marked for a second mark and changes nothing', async () => {
      const c = await makeTemplate(t.db);
      const r = await writesNothing(() => mark(c.id, 'Another label', 'someone-else'));
      expect(r).toMatchObject({
        status: 'already_marked',
        collection_id: c.id,
        template_label: 'label',
        marked_by: 'setup',
      });
    });

    it.each([
      ['the collection id is null', [null]],
      ['the label is blank', ['ID', ' ']],
      ['the label is null', ['ID', null]],
      ['the actor is blank', ['ID', 'label', '']],
      ['the actor has a trailing space', ['ID', 'label', 'marker ']],
    ] as const)('refuses with invalid_input when %s, writing nothing', async (_why, args) => {
      const c = await makeTemplate(t.db, { mark: false });
      const [id, ...rest] = args;
      const r = await writesNothing(() => mark(id === 'ID' ? c.id : id, ...(rest as [string | null, string | null])));
      expect(r.status).toBe('invalid_input');
    });

    it('refuses with collection_not_found for an unknown id, writing nothing', async () => {
      const id = uuid();
      const r = await writesNothing(() => mark(id));
      expect(r).toMatchObject({ status: 'collection_not_found', collection_id: id });
    });

    it('refuses with invalid_input when the collection is an instance: instances never become templates', async () => {
      const tpl = await makeTemplate(t.db);
      const i = await instantiate(t.db, { templateId: tpl.id });
      expect(i.status).toBe('ok');
      const r = await writesNothing(() => mark(String(i.instance_collection_id)));
      expect(r.status).toBe('invalid_input');
      expect(String(r.reason)).toMatch(/instance/);
    });

    it('gives invalid_input for an instance before already_marked', async () => {
      const tpl = await makeTemplate(t.db);
      const i = await instantiate(t.db, { templateId: tpl.id });
      // test-only corruption: an instance that claims to be marked
      await t.db.query(`UPDATE iu_piece_collection SET is_template = true WHERE id = $1`, [i.instance_collection_id]);
      expect((await writesNothing(() => mark(String(i.instance_collection_id)))).status).toBe('invalid_input');
    });

    it('gives invalid_input (bad arguments) before collection_not_found', async () => {
      const r = await writesNothing(() => mark(uuid(), ''));
      expect(r.status).toBe('invalid_input');
    });
  });

  describe('fn_iu_collection_register_template_version', () => {
    async function chainOf(n: number) {
      const family = `tpl:${uniq('fam')}`;
      const ids: string[] = [];
      for (let i = 1; i <= n; i++) ids.push((await makeTemplate(t.db, { key: `${family}/v${i}` })).id);
      return { family, ids };
    }

    it('registers v1 and v2 without any gate open, v2 pointing at v1', async () => {
      const { family, ids } = await chainOf(2);
      expect(await register(ids[0], family, 'v1', 1)).toMatchObject({
        status: 'ok',
        version_seq: 1,
        previous_collection_id: null,
      });
      expect(await register(ids[1], family, 'v2', 2, ids[0])).toMatchObject({
        status: 'ok',
        template_family: family,
        version_label: 'v2',
        version_seq: 2,
        previous_collection_id: ids[0],
      });
      const chain = await t.db.query<{
        version_seq: number;
        previous_version_label: string | null;
        is_latest: boolean;
        registered_by: string;
      }>(
        `SELECT version_seq, previous_version_label, is_latest, registered_by FROM v_iu_template_version_chain
          WHERE template_family = $1 ORDER BY version_seq`,
        [family],
      );
      expect(chain).toEqual([
        { version_seq: 1, previous_version_label: null, is_latest: false, registered_by: 'registrar' },
        { version_seq: 2, previous_version_label: 'v1', is_latest: true, registered_by: 'registrar' },
      ]);
    });

    it('answers idempotent_replay when the same row is registered again, writing nothing', async () => {
      const { family, ids } = await chainOf(2);
      await register(ids[0], family, 'v1', 1);
      await register(ids[1], family, 'v2', 2, ids[0]);
      expect((await writesNothing(() => register(ids[0], family, 'v1', 1, null, 'someone-else'))).status).toBe(
        'idempotent_replay',
      );
      const r = await writesNothing(() => register(ids[1], family, 'v2', 2, ids[0]));
      expect(r).toMatchObject({ status: 'idempotent_replay', collection_id: ids[1], registered_by: 'registrar' });
    });

    it('answers version_conflict when the collection is already registered differently, writing nothing', async () => {
      const { family, ids } = await chainOf(1);
      await register(ids[0], family, 'v1', 1);
      expect((await writesNothing(() => register(ids[0], family, 'v1-bis', 1))).status).toBe('version_conflict');
      expect((await writesNothing(() => register(ids[0], `tpl:${uniq('other')}`, 'v1', 1))).status).toBe(
        'version_conflict',
      );
    });

    it('answers version_conflict when the family already has that seq, writing nothing', async () => {
      const { family, ids } = await chainOf(2);
      await register(ids[0], family, 'v1', 1);
      expect((await writesNothing(() => register(ids[1], family, 'v1-again', 1))).status).toBe('version_conflict');
    });

    it('answers version_conflict when the family already has that label, writing nothing', async () => {
      const { family, ids } = await chainOf(2);
      await register(ids[0], family, 'v1', 1);
      expect((await writesNothing(() => register(ids[1], family, 'v1', 2, ids[0]))).status).toBe('version_conflict');
    });

    it('answers previous_version_mismatch when seq 1 names a previous, writing nothing', async () => {
      const { family, ids } = await chainOf(2);
      expect((await writesNothing(() => register(ids[1], family, 'v1', 1, ids[0]))).status).toBe(
        'previous_version_mismatch',
      );
    });

    it('answers previous_version_mismatch when seq 2 names a collection other than seq 1, writing nothing', async () => {
      const { family, ids } = await chainOf(3);
      await register(ids[0], family, 'v1', 1);
      expect((await writesNothing(() => register(ids[1], family, 'v2', 2, ids[2]))).status).toBe(
        'previous_version_mismatch',
      );
      expect((await writesNothing(() => register(ids[1], family, 'v2', 2, null))).status).toBe(
        'previous_version_mismatch',
      );
    });

    it('answers previous_version_mismatch when seq n-1 is not registered yet, writing nothing', async () => {
      const { family, ids } = await chainOf(3);
      await register(ids[0], family, 'v1', 1);
      expect((await writesNothing(() => register(ids[2], family, 'v3', 3, ids[0]))).status).toBe(
        'previous_version_mismatch',
      );
    });

    it.each([
      ['the collection id is null', { id: null }],
      ['the family is blank', { family: ' ' }],
      ['the family does not start with tpl:', { family: 'family-without-prefix' }],
      ['the family is only tpl:', { family: 'tpl:' }],
      ['the family is hostile text', { family: "tpl:'); DROP TABLE dot_config; --" }],
      ['the label is blank', { label: '' }],
      ['the seq is null', { seq: null }],
      ['the seq is 0', { seq: 0 }],
      ['the seq is negative', { seq: -1 }],
      ['the actor is blank', { actor: '' }],
      ['the actor has a leading space', { actor: ' registrar' }],
    ] as const)('refuses with invalid_input when %s, writing nothing', async (_why, o: Record<string, unknown>) => {
      const { family, ids } = await chainOf(1);
      const r = await writesNothing(() =>
        register(
          'id' in o ? (o.id as null) : ids[0],
          'family' in o ? (o.family as string) : family,
          'label' in o ? (o.label as string) : 'v1',
          'seq' in o ? (o.seq as number | null) : 1,
          null,
          'actor' in o ? (o.actor as string) : 'registrar',
        ),
      );
      expect(r.status).toBe('invalid_input');
    });

    it('refuses with collection_not_found for an unknown id, writing nothing', async () => {
      expect((await writesNothing(() => register(uuid(), `tpl:${uniq('f')}`, 'v1', 1))).status).toBe(
        'collection_not_found',
      );
    });

    it('refuses with template_not_marked for a collection that is not a template, writing nothing', async () => {
      const c = await makeTemplate(t.db, { mark: false });
      expect((await writesNothing(() => register(c.id, `tpl:${uniq('f')}`, 'v1', 1))).status).toBe(
        'template_not_marked',
      );
    });

    describe('check order', () => {
      it('gives invalid_input before collection_not_found', async () => {
        expect((await writesNothing(() => register(uuid(), 'no-prefix', 'v1', 1))).status).toBe('invalid_input');
      });

      it('gives collection_not_found before template_not_marked and version checks', async () => {
        const { family, ids } = await chainOf(1);
        await register(ids[0], family, 'v1', 1);
        expect((await writesNothing(() => register(uuid(), family, 'v1', 1))).status).toBe('collection_not_found');
      });

      it('gives template_not_marked before version_conflict', async () => {
        const { family, ids } = await chainOf(1);
        await register(ids[0], family, 'v1', 1);
        const unmarked = await makeTemplate(t.db, { mark: false });
        expect((await writesNothing(() => register(unmarked.id, family, 'v1', 1))).status).toBe('template_not_marked');
      });

      it('gives idempotent_replay for an already registered collection before the family checks', async () => {
        const { family, ids } = await chainOf(2);
        await register(ids[0], family, 'v1', 1);
        await register(ids[1], family, 'v2', 2, ids[0]);
        // seq 2 / label v2 are "taken" — by this very row, so it is a replay, not a conflict
        expect((await writesNothing(() => register(ids[1], family, 'v2', 2, ids[0]))).status).toBe('idempotent_replay');
      });

      it('gives version_conflict before previous_version_mismatch', async () => {
        const { family, ids } = await chainOf(3);
        await register(ids[0], family, 'v1', 1);
        await register(ids[1], family, 'v2', 2, ids[0]);
        // seq 2 is taken and the previous named is wrong: the conflict is reported
        expect((await writesNothing(() => register(ids[2], family, 'v2b', 2, ids[2]))).status).toBe('version_conflict');
      });
    });
  });
});

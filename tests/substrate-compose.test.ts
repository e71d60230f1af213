// fn_iu_compose: every status and the order of its checks, called as an operator would.
import { describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { backends, useTestDatabase } from './helpers/db';
import {
  ALL_CLOSED,
  call,
  gated,
  gateValues,
  makeTemplate,
  snapshot,
  tx,
  uniq,
  uuid,
  type Json,
} from './helpers/substrate';

const newPiece = (role: string, address = `iu_core/template/test/${uniq('a')}/${role}`) => ({
  role,
  new_piece: {
    canonical_address: address,
    title: `T ${role}`,
    body: `B ${role}`,
    unit_kind: 'design_doc_section',
    section_type: 'section',
  },
});

async function compose(
  db: Database,
  args: { key?: string | null; kind?: string | null; title?: string | null; pieces?: unknown; actor?: string | null },
  gateOpen = true,
): Promise<Json> {
  const pieces = args.pieces === undefined ? [newPiece('title')] : args.pieces;
  return gated(db, { composer: gateOpen }, (s) =>
    call(s, `fn_iu_compose($1, $2, $3, 'desc', $4::jsonb, $5)`, [
      args.key === undefined ? `tpl:${uniq('fam')}/v1` : args.key,
      args.kind === undefined ? 'design_doc' : args.kind,
      args.title === undefined ? 'Title' : args.title,
      pieces === null ? null : JSON.stringify(pieces),
      args.actor === undefined ? 'composer-1' : args.actor,
    ]),
  );
}

describe.each(backends())('fn_iu_compose on $name', (backend) => {
  const t = useTestDatabase(backend);

  /** Runs `fn` and asserts it left every table exactly as it was. */
  async function writesNothing<T>(fn: () => Promise<T>): Promise<T> {
    const before = await snapshot(t.db);
    const out = await fn();
    expect(await snapshot(t.db)).toEqual(before);
    return out;
  }

  it('composes a collection of new and reused pieces and answers ok with its ids', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 2 });
    const key = `tpl:${uniq('fam')}/v2`;
    const r = await compose(t.db, {
      key,
      pieces: [{ role: 'title', iu_id: tpl.pieceIds[0] }, newPiece('intro'), { role: 'outro', iu_id: tpl.pieceIds[1] }],
    });
    expect(r).toMatchObject({ status: 'ok', collection_key: key, piece_count: 3 });
    expect(r.new_piece_ids).toHaveLength(1);
    const members = await t.db.query<{ role: string; iu_id: string; position: number }>(
      `SELECT role, iu_id, position FROM iu_piece_collection_member WHERE collection_id = $1 ORDER BY position`,
      [r.collection_id],
    );
    expect(members.map((m) => [m.position, m.role])).toEqual([
      [1, 'title'],
      [2, 'intro'],
      [3, 'outro'],
    ]);
    expect(members[0].iu_id).toBe(tpl.pieceIds[0]);
    expect(members[1].iu_id).toBe((r.new_piece_ids as string[])[0]);
    const [coll] = await t.db.query<{ created_by: string; is_template: boolean }>(
      `SELECT created_by, is_template FROM iu_piece_collection WHERE id = $1`,
      [r.collection_id],
    );
    expect(coll).toEqual({ created_by: 'composer-1', is_template: false });
    const [piece] = await t.db.query<{ created_by: string; status: string }>(
      `SELECT created_by, status FROM information_unit WHERE id = $1`,
      [(r.new_piece_ids as string[])[0]],
    );
    expect(piece).toEqual({ created_by: 'composer-1', status: 'active' });
  });

  it('leaves the gates closed after the runbook transaction commits', async () => {
    await compose(t.db, {});
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  describe('invalid_input', () => {
    const cases: [string, Parameters<typeof compose>[1]][] = [
      ['pieces is not an array', { pieces: { role: 'x' } }],
      ['pieces is null', { pieces: null }],
      ['pieces is empty', { pieces: [] }],
      ['an element is not an object', { pieces: ['x'] }],
      ['an element has neither iu_id nor new_piece', { pieces: [{ role: 'title' }] }],
      [
        'an element has both iu_id and new_piece',
        { pieces: [{ ...newPiece('title'), iu_id: '00000000-0000-4000-8000-000000000001' }] },
      ],
      ['an element has no role', { pieces: [{ iu_id: '00000000-0000-4000-8000-000000000001' }] }],
      ['an element has a blank role', { pieces: [{ ...newPiece('title'), role: '  ' }] }],
      [
        'a new piece misses a field',
        {
          pieces: [{ role: 'r', new_piece: { canonical_address: 'iu_core/x', title: 't', body: 'b', unit_kind: 'k' } }],
        },
      ],
      [
        'a new piece has a blank field',
        { pieces: [{ role: 'r', new_piece: { ...newPiece('r').new_piece, body: ' ' } }] },
      ],
      ['an iu_id is not a uuid', { pieces: [{ role: 'r', iu_id: '25000bk0-0000-4000-8000-000000000001' }] }],
      ['a role appears twice', { pieces: [newPiece('same'), newPiece('same')] }],
      [
        'an iu_id appears twice',
        {
          pieces: [
            { role: 'a', iu_id: '00000000-0000-4000-8000-000000000001' },
            { role: 'b', iu_id: '00000000-0000-4000-8000-000000000001' },
          ],
        },
      ],
      ['the key starts with the reserved inst:', { key: `inst:${uniq('k')}` }],
      ['the key starts with the reserved dryrun:', { key: `dryrun:${uniq('k')}` }],
      ['the key is blank', { key: '  ' }],
      ['the kind is null', { kind: null }],
      ['the title is blank', { title: '' }],
      ['the actor is blank', { actor: ' ' }],
      ['the actor is null', { actor: null }],
      ['the actor has a trailing space', { actor: 'composer-1 ' }],
      ['the actor has a leading tab', { actor: '\tcomposer-1' }],
    ];
    it.each(cases)('refuses when %s, writing nothing', async (_why, args) => {
      const r = await writesNothing(() => compose(t.db, args));
      expect(r.status).toBe('invalid_input');
    });
  });

  it('refuses with composer_gate_closed when the composer gate is not opened, writing nothing', async () => {
    const r = await writesNothing(() => compose(t.db, {}, false));
    expect(r.status).toBe('composer_gate_closed');
  });

  it('reads the gate at call time: a gate opened in the same transaction lets it compose', async () => {
    const key = `tpl:${uniq('fam')}/v1`;
    const r = await tx(t.db, async (s) => {
      const closed = await call(s, `fn_iu_compose($1, 'k', 't', null, $2::jsonb, 'a')`, [
        key,
        JSON.stringify([newPiece('r')]),
      ]);
      await s.query(`UPDATE dot_config SET value='true' WHERE key='iu_core.composer_enabled'`);
      const open = await call(s, `fn_iu_compose($1, 'k', 't', null, $2::jsonb, 'a')`, [
        key,
        JSON.stringify([newPiece('r')]),
      ]);
      await s.query(`UPDATE dot_config SET value='false' WHERE key='iu_core.composer_enabled'`);
      return [closed.status, open.status];
    });
    expect(r).toEqual(['composer_gate_closed', 'ok']);
  });

  it('refuses with collection_key_collision when the key is taken, writing nothing', async () => {
    const tpl = await makeTemplate(t.db);
    const r = await writesNothing(() => compose(t.db, { key: tpl.key }));
    expect(r).toMatchObject({ status: 'collection_key_collision', collection_key: tpl.key });
  });

  it('refuses with piece_not_found for an unknown piece, writing nothing', async () => {
    const missing = uuid();
    const r = await writesNothing(() => compose(t.db, { pieces: [newPiece('a'), { role: 'b', iu_id: missing }] }));
    expect(r).toMatchObject({ status: 'piece_not_found', iu_id: missing });
  });

  it('refuses with piece_not_found for a retired piece, writing nothing', async () => {
    const tpl = await makeTemplate(t.db, { pieces: 1 });
    await t.db.query(`UPDATE information_unit SET status = 'retired' WHERE id = $1`, [tpl.pieceIds[0]]);
    const r = await writesNothing(() => compose(t.db, { pieces: [{ role: 'a', iu_id: tpl.pieceIds[0] }] }));
    expect(r).toMatchObject({ status: 'piece_not_found', iu_id: tpl.pieceIds[0] });
  });

  it('refuses with canonical_address_collision when an address is taken, writing nothing', async () => {
    const address = `iu_core/template/test/${uniq('a')}/taken`;
    expect((await compose(t.db, { pieces: [newPiece('a', address)] })).status).toBe('ok');
    const r = await writesNothing(() => compose(t.db, { pieces: [newPiece('b', address)] }));
    expect(r).toMatchObject({ status: 'canonical_address_collision', canonical_address: address });
  });

  it('refuses with canonical_address_collision when one call uses an address twice, writing nothing', async () => {
    const address = `iu_core/template/test/${uniq('a')}/twice`;
    const r = await writesNothing(() => compose(t.db, { pieces: [newPiece('a', address), newPiece('b', address)] }));
    expect(r.status).toBe('canonical_address_collision');
  });

  describe('check order', () => {
    it('gives invalid_input before composer_gate_closed', async () => {
      const r = await writesNothing(() => compose(t.db, { pieces: [] }, false));
      expect(r.status).toBe('invalid_input');
    });

    it('gives invalid_input for a reserved key before collection_key_collision', async () => {
      const r = await writesNothing(() => compose(t.db, { key: 'inst:whatever', pieces: [] }));
      expect(r.status).toBe('invalid_input');
    });

    it('gives composer_gate_closed before collection_key_collision', async () => {
      const tpl = await makeTemplate(t.db);
      const r = await writesNothing(() => compose(t.db, { key: tpl.key }, false));
      expect(r.status).toBe('composer_gate_closed');
    });

    it('gives collection_key_collision before piece_not_found', async () => {
      const tpl = await makeTemplate(t.db);
      const r = await writesNothing(() => compose(t.db, { key: tpl.key, pieces: [{ role: 'a', iu_id: uuid() }] }));
      expect(r.status).toBe('collection_key_collision');
    });

    it('gives piece_not_found before canonical_address_collision', async () => {
      const tpl = await makeTemplate(t.db, { pieces: 1 });
      const [{ canonical_address }] = await t.db.query<{ canonical_address: string }>(
        `SELECT canonical_address FROM information_unit WHERE id = $1`,
        [tpl.pieceIds[0]],
      );
      const r = await writesNothing(() =>
        compose(t.db, { pieces: [newPiece('a', canonical_address), { role: 'b', iu_id: uuid() }] }),
      );
      expect(r.status).toBe('piece_not_found');
    });
  });
});

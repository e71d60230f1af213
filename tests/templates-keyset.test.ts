// The templates table's keyset pages (lib/queries/templates.ts) on both backends: for every
// sort and direction, pages walked forwards and backwards join into the whole table without
// a gap or a repeat, in the table's order (empty values last, ties by key), and the filters
// hold on every page.
import { beforeAll, describe, expect, it } from 'vitest';
import { composeTemplateVersion, instantiateFromEvent } from '@/lib/recipes';
import {
  decodeTemplateCursor,
  encodeTemplateCursor,
  listTemplates,
  parseTemplateFilters,
  TEMPLATE_SORTS,
  type TemplateFilters,
  type TemplateRow,
  type TemplateSort,
} from '@/lib/queries/templates';
import { backends, useTestDatabase } from './helpers/db';
import { makeTemplate, uuid } from './helpers/substrate';

const SORTS = Object.keys(TEMPLATE_SORTS) as TemplateSort[];
const valueOf: Record<TemplateSort, (r: TemplateRow) => string | number | null> = {
  key: (r) => r.collectionKey,
  family: (r) => r.templateFamily,
  version: (r) => r.versionSeq,
  pieces: (r) => r.activePieceCount,
  live: (r) => r.liveInstanceCount,
  dryRun: (r) => r.dryRunInstanceCount,
  last: (r) => r.lastInstantiatedAt?.getTime() ?? null,
};

/** Whether b may follow a in the table: empty values last, the direction, then the key ascending. */
function inOrder(sort: TemplateSort, dir: 'asc' | 'desc', a: TemplateRow, b: TemplateRow): boolean {
  const x = valueOf[sort](a);
  const y = valueOf[sort](b);
  if (x === null || y === null) return y === null && (x !== null || a.collectionKey < b.collectionKey);
  if (x !== y) return dir === 'asc' ? x < y : x > y;
  return a.collectionKey < b.collectionKey;
}

describe.each(backends())('templates keyset pages on $name', (backend) => {
  const t = useTestDatabase(backend);
  let all: TemplateRow[] = [];

  beforeAll(async () => {
    const ctx = { db: t.db, user: 'kim' };
    // two families of three versions (family, version set) and seven marked templates that
    // no family registers (family and version empty): the sorts meet empty values
    for (const family of ['kfam_a', 'kfam-b']) {
      for (let v = 1; v <= 3; v++) {
        const r = await composeTemplateVersion(ctx, {
          family,
          title: family,
          label: `${family} v${v}`,
          commit: true,
          pieces: Array.from({ length: v }, (_, i) => ({
            role: `r${i}`,
            newPiece: { canonicalAddress: `k/${family}/v${v}/r${i}`, title: `r${i}`, body: `v${v}` },
          })),
        });
        if (!r.ok) throw new Error(r.message);
      }
    }
    for (let i = 0; i < 7; i++) await makeTemplate(t.db, { pieces: 1 + (i % 3), key: `tpl:loose_${i}/v1` });
    const rows = await t.db.query<{ id: string; k: string }>(
      `SELECT id, collection_key AS k FROM iu_piece_collection WHERE is_template ORDER BY collection_key`,
    );
    // instances: ties in the counts (2, 2, 1, 1, 1, 0 …) and in dry runs, and empty last-instantiated times
    const plan: [number, 'live' | 'dry_run', number][] = [
      [0, 'live', 2],
      [1, 'live', 2],
      [2, 'live', 1],
      [3, 'live', 1],
      [4, 'live', 1],
      [5, 'dry_run', 1],
      [8, 'dry_run', 1],
    ];
    let n = 0;
    for (const [i, mode, count] of plan) {
      for (let c = 0; c < count; c++) {
        const r = await instantiateFromEvent(ctx, {
          eventId: uuid(),
          eventType: 'doc.created',
          templateCollectionId: rows[i].id,
          uniqueSuffix: `k-${n++}`,
          emitMode: mode,
          commit: true,
        });
        expect(r.status).toBe('ok');
      }
    }
    all = (await listTemplates(t.db, { limit: 1000 })).rows;
    expect(all).toHaveLength(13);
  });

  async function walkForward(sort: TemplateSort, dir: 'asc' | 'desc', limit: number, f: TemplateFilters = {}) {
    const pages: TemplateRow[][] = [];
    let after = null;
    for (let guard = 0; guard < 100; guard++) {
      const p = await listTemplates(t.db, { ...f, sort, dir, limit, after });
      pages.push(p.rows);
      if (!p.next) return { pages, total: p.total };
      after = decodeTemplateCursor(p.next);
    }
    throw new Error('the pages never ended');
  }

  it('joins the pages of every sort and direction into the whole table, in order, without gaps or repeats', async () => {
    for (const sort of SORTS) {
      for (const dir of ['asc', 'desc'] as const) {
        const { pages, total } = await walkForward(sort, dir, 4);
        const rows = pages.flat();
        expect(total).toBe(13);
        expect(pages.slice(0, -1).every((p) => p.length === 4)).toBe(true);
        expect(new Set(rows.map((r) => r.collectionId)).size).toBe(rows.length);
        expect(rows.map((r) => r.collectionKey).sort()).toEqual(all.map((r) => r.collectionKey).sort());
        for (let i = 1; i < rows.length; i++) {
          expect(
            inOrder(sort, dir, rows[i - 1], rows[i]),
            `${sort} ${dir}: ${rows[i - 1].collectionKey} then ${rows[i].collectionKey}`,
          ).toBe(true);
        }
        // the same rows as one page of the whole table
        const whole = await listTemplates(t.db, { sort, dir, limit: 1000 });
        expect(rows.map((r) => r.collectionId)).toEqual(whole.rows.map((r) => r.collectionId));
      }
    }
  });

  it('walks back from the last page through Previous to the first, page for page', async () => {
    for (const sort of ['last', 'family', 'live'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const forward = (await walkForward(sort, dir, 3)).pages;
        // to the last page by Next, then back by Previous to the first
        let p = await listTemplates(t.db, { sort, dir, limit: 3, after: null });
        for (let i = 1; i < forward.length; i++)
          p = await listTemplates(t.db, { sort, dir, limit: 3, after: decodeTemplateCursor(p.next) });
        expect(p.next).toBeNull();
        const back: TemplateRow[][] = [p.rows];
        while (p.prev) {
          p = await listTemplates(t.db, { sort, dir, limit: 3, before: decodeTemplateCursor(p.prev) });
          back.unshift(p.rows);
        }
        expect(back.map((x) => x.map((r) => r.collectionId))).toEqual(forward.map((x) => x.map((r) => r.collectionId)));
        expect(p.prev).toBeNull();
      }
    }
  });

  it('keeps the filters on every page, and counts what they match', async () => {
    const byFamily = await walkForward('version', 'desc', 2, { family: 'tpl:kfam_a' });
    expect(byFamily.total).toBe(3);
    expect(byFamily.pages.flat().map((r) => r.versionLabel)).toEqual(['v3', 'v2', 'v1']);
    expect(byFamily.pages.flat().every((r) => r.templateFamily === 'tpl:kfam_a')).toBe(true);

    // the search is case-insensitive and takes `_` literally (a LIKE would match kfam-b too)
    const q = await walkForward('key', 'asc', 2, { q: 'KFAM_' });
    expect(q.pages.flat().map((r) => r.collectionKey)).toEqual(
      all.filter((r) => r.collectionKey.toLowerCase().includes('kfam_')).map((r) => r.collectionKey),
    );
    expect(q.total).toBe(3);

    const used = await walkForward('live', 'desc', 2, { used: 'yes' });
    const unused = await walkForward('live', 'desc', 2, { used: 'no' });
    expect(used.pages.flat().every((r) => r.liveInstanceCount + r.dryRunInstanceCount > 0)).toBe(true);
    expect(unused.pages.flat().every((r) => r.liveInstanceCount + r.dryRunInstanceCount === 0)).toBe(true);
    expect(used.total).toBe(7);
    expect(used.total + unused.total).toBe(13);
    expect([...used.pages.flat(), ...unused.pages.flat()].map((r) => r.collectionKey).sort()).toEqual(
      all.map((r) => r.collectionKey).sort(),
    );

    const none = await listTemplates(t.db, { q: 'no such template' });
    expect(none).toEqual({ rows: [], total: 0, next: null, prev: null });
  });

  it('reads filters and cursors from an address, naming what it cannot use', () => {
    expect(parseTemplateFilters({ family: ' tpl:x ', q: 'ab', used: 'yes' })).toEqual({
      filters: { family: 'tpl:x', q: 'ab', used: 'yes' },
      problems: [],
    });
    expect(parseTemplateFilters({ used: 'maybe' }).problems).toEqual([
      'used must be yes (instantiated at least once) or no.',
    ]);
    const c = { v: '2026-01-15 12:00:00.123456+00', k: 'tpl:a/v1' };
    expect(decodeTemplateCursor(encodeTemplateCursor(c))).toEqual(c);
    expect(decodeTemplateCursor(encodeTemplateCursor({ v: null, k: 'tpl:a/v1' }))).toEqual({ v: null, k: 'tpl:a/v1' });
    for (const bad of [
      '',
      'x',
      'bm90IGpzb24',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["a",""]').toString('base64url'),
    ]) {
      expect(decodeTemplateCursor(bad)).toBeNull();
    }
  });
});

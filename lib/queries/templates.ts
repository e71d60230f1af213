import 'server-only';
// The templates table (v_iu_template_observability): sorts, filters and keyset pages. The
// families (version chains and their pieces) are in template-families.ts, the diff in template-diff.ts.
import type { Database } from '@/db/client';
import type { TemplateObservabilityRow } from '@/db/views';

export const TEMPLATE_SORTS = {
  key: 'collection_key',
  family: 'template_family',
  version: 'version_seq',
  pieces: 'active_piece_count',
  live: 'live_instance_count',
  dryRun: 'dry_run_instance_count',
  last: 'last_instantiated_at',
} as const;
export type TemplateSort = keyof typeof TEMPLATE_SORTS;

/** The type a sort column's cursor value is cast back to. */
const SORT_TYPES: Record<TemplateSort, string> = {
  key: 'text',
  family: 'text',
  version: 'int',
  pieces: 'int',
  live: 'int',
  dryRun: 'int',
  last: 'timestamptz',
};

/** The sort named in a URL, or null; an own key only (`constructor` is on every object's prototype). */
export function templateSortOf(v: string | undefined): TemplateSort | null {
  return v !== undefined && Object.hasOwn(TEMPLATE_SORTS, v) ? (v as TemplateSort) : null;
}

/** A row of the templates table: the view's row, less who marked it and when. */
export type TemplateRow = Omit<TemplateObservabilityRow, 'markedBy' | 'markedAt' | 'createdAt'>;

/** The table's filters, as the page keeps them in its URL. */
export interface TemplateFilters {
  /** Exact family (`tpl:<name>`). */
  family?: string;
  /** Text the collection key contains (case-insensitive). */
  q?: string;
  /** yes: templates with at least one instance; no: none yet. */
  used?: 'yes' | 'no';
}

/**
 * A position in the sorted table: the row's sort value as PostgreSQL prints it (null when the
 * column is empty, e.g. a template never instantiated) and its collection key, which is unique.
 */
export interface TemplateCursor {
  v: string | null;
  k: string;
}

/** `<v>~<k>` base64url-encoded, so keys and times with any characters survive a URL. */
export function encodeTemplateCursor(c: TemplateCursor): string {
  return Buffer.from(JSON.stringify([c.v, c.k])).toString('base64url');
}

export function decodeTemplateCursor(s: string | undefined | null): TemplateCursor | null {
  if (!s || s.length > 2000) return null;
  try {
    const x: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(x) || x.length !== 2) return null;
    const [v, k] = x;
    if ((v !== null && typeof v !== 'string') || typeof k !== 'string' || !k) return null;
    return { v, k };
  } catch {
    return null;
  }
}

type SearchParams = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

/** The filters in a URL, and a sentence for each value that could not be used (it is left out). */
export function parseTemplateFilters(sp: SearchParams): { filters: TemplateFilters; problems: string[] } {
  const filters: TemplateFilters = {};
  const problems: string[] = [];
  const family = one(sp.family);
  if (family !== undefined) {
    if (family.length <= 200) filters.family = family;
    else problems.push('family is at most 200 characters.');
  }
  const q = one(sp.q);
  if (q !== undefined) {
    if (q.length <= 200) filters.q = q;
    else problems.push('The search text is at most 200 characters.');
  }
  const used = one(sp.used);
  if (used === 'yes' || used === 'no') filters.used = used;
  else if (used !== undefined) problems.push('used must be yes (instantiated at least once) or no.');
  return { filters, problems };
}

/** The filters, sort and direction as URL search params (only those set), for links that keep them. */
export function templateParams(
  f: TemplateFilters,
  sort: TemplateSort,
  dir: 'asc' | 'desc',
  extra: Record<string, string | undefined> = {},
): URLSearchParams {
  const p = new URLSearchParams();
  if (f.family) p.set('family', f.family);
  if (f.q) p.set('q', f.q);
  if (f.used) p.set('used', f.used);
  if (sort !== 'key') p.set('sort', sort);
  if (dir !== 'asc') p.set('dir', dir);
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p;
}

export interface TemplatePage {
  rows: TemplateRow[];
  /** Templates matching the filters, on every page. */
  total: number;
  /** Cursor of the next page, or null on the last. */
  next: string | null;
  /** Cursor of the previous page, or null on the first. */
  prev: string | null;
}

export const TEMPLATE_PAGE_SIZE = 50;

function filterWhere(f: TemplateFilters, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.family) where.push(`template_family = ${p(f.family)}`);
  // LIKE's own wildcards in the text are literal: a search for `a_b` finds `a_b`, not `axb`
  if (f.q) where.push(`strpos(lower(collection_key), lower(${p(f.q)})) > 0`);
  if (f.used === 'yes') where.push('live_instance_count + dry_run_instance_count > 0');
  if (f.used === 'no') where.push('live_instance_count + dry_run_instance_count = 0');
  return where;
}

/**
 * One page of templates, keyset over (sort value, collection key): the table is ordered by
 * the sort column (empty values last, whichever direction) and then by key, ascending, and a
 * page starts after (`after`) or ends before (`before`) a row of an earlier page. Never
 * OFFSET, so a page is read the same way at any depth and a template added meanwhile neither
 * repeats nor hides a row.
 */
export async function listTemplates(
  db: Pick<Database, 'query'>,
  opts: {
    sort?: TemplateSort;
    dir?: 'asc' | 'desc';
    limit?: number;
    after?: TemplateCursor | null;
    before?: TemplateCursor | null;
  } & TemplateFilters = {},
): Promise<TemplatePage> {
  const sort = templateSortOf(opts.sort) ?? 'key';
  const col = TEMPLATE_SORTS[sort];
  const type = SORT_TYPES[sort];
  const asc = opts.dir !== 'desc';
  const limit = Math.min(Math.max(opts.limit ?? TEMPLATE_PAGE_SIZE, 1), 1000);
  const params: unknown[] = [];
  const where = filterWhere(opts, params);
  const countWhere = [...where];
  const countParams = [...params];
  const p = (v: unknown) => `$${params.push(v)}`;
  const back = !opts.after && !!opts.before;
  const c = opts.after ?? opts.before ?? null;
  if (c) {
    const k = p(c.k);
    const forward = !back;
    // forward: rows after the cursor in the table's order; back: rows before it
    if (c.v === null) {
      where.push(
        forward ? `(${col} IS NULL AND collection_key > ${k})` : `(${col} IS NOT NULL OR collection_key < ${k})`,
      );
    } else {
      const v = `${p(c.v)}::${type}`;
      const further = asc === forward ? '>' : '<';
      const keyCmp = forward ? '>' : '<';
      const tie = `${col} ${further} ${v} OR (${col} = ${v} AND collection_key ${keyCmp} ${k})`;
      where.push(forward ? `(${col} IS NULL OR ${tie})` : `(${col} IS NOT NULL AND (${tie}))`);
    }
  }
  const d = (a: boolean) => (a ? 'ASC' : 'DESC');
  // empty values last in the table; a backward read walks the same order reversed
  const order = back
    ? `${col} IS NULL DESC, ${col} ${d(!asc)}, collection_key DESC`
    : `${col} IS NULL, ${col} ${d(asc)}, collection_key`;
  const [raw, counted] = await Promise.all([
    db.query<Record<string, unknown>>(
      `SELECT collection_id, collection_key, title, template_label, template_family, version_label, version_seq,
              active_piece_count, live_instance_count, dry_run_instance_count, last_instantiated_at,
              ${col}::text AS sort_value
         FROM v_iu_template_observability
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${order}
        LIMIT ${p(limit + 1)}`,
      params,
    ),
    // the view's per-row piece count is not read for a count, so this reads the template rows only
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM v_iu_template_observability ${countWhere.length ? `WHERE ${countWhere.join(' AND ')}` : ''}`,
      countParams,
    ),
  ]);
  const more = raw.length > limit;
  const page = raw.slice(0, limit);
  if (back) page.reverse();
  const cursorOf = (r: Record<string, unknown>) =>
    encodeTemplateCursor({ v: r.sort_value == null ? null : String(r.sort_value), k: String(r.collection_key) });
  const first = page[0];
  const last = page.at(-1);
  const next = back ? (last ? cursorOf(last) : null) : more && last ? cursorOf(last) : null;
  const prev = back ? (more && first ? cursorOf(first) : null) : opts.after && first ? cursorOf(first) : null;
  return {
    total: Number(counted[0]?.n ?? 0),
    next,
    prev,
    rows: page.map((r) => ({
      collectionId: String(r.collection_id),
      collectionKey: String(r.collection_key),
      title: String(r.title),
      templateLabel: (r.template_label as string) ?? null,
      templateFamily: (r.template_family as string) ?? null,
      versionLabel: (r.version_label as string) ?? null,
      versionSeq: r.version_seq == null ? null : Number(r.version_seq),
      activePieceCount: Number(r.active_piece_count),
      liveInstanceCount: Number(r.live_instance_count),
      dryRunInstanceCount: Number(r.dry_run_instance_count),
      lastInstantiatedAt: r.last_instantiated_at ? new Date(r.last_instantiated_at as string) : null,
    })),
  };
}

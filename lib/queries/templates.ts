import 'server-only';
// Templates table (v_iu_template_observability) and template families: version chains, the
// pieces of each version and a diff between two versions.
import type { Database } from '@/db/client';

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

export interface TemplateRow {
  collectionId: string;
  collectionKey: string;
  title: string;
  templateLabel: string | null;
  templateFamily: string | null;
  versionLabel: string | null;
  versionSeq: number | null;
  activePieceCount: number;
  liveInstanceCount: number;
  dryRunInstanceCount: number;
  lastInstantiatedAt: Date | null;
}

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

export interface FamilySummary {
  family: string;
  versions: number;
  latestLabel: string;
  latestCollectionId: string;
  lastRegisteredAt: Date;
  lastRegisteredBy: string;
}

/** Every family with its number of versions and latest version. */
export async function listFamilies(db: Pick<Database, 'query'>): Promise<FamilySummary[]> {
  const rows = await db.query<{
    template_family: string;
    versions: number;
    version_label: string;
    collection_id: string;
    registered_at: Date;
    registered_by: string;
  }>(
    `SELECT template_family, count(*) OVER (PARTITION BY template_family)::int AS versions,
            version_label, collection_id, registered_at, registered_by
       FROM v_iu_template_version_chain
      ORDER BY template_family, version_seq`,
  );
  const out = new Map<string, FamilySummary>();
  for (const r of rows) {
    out.set(r.template_family, {
      family: r.template_family,
      versions: Number(r.versions),
      latestLabel: r.version_label,
      latestCollectionId: r.collection_id,
      lastRegisteredAt: new Date(r.registered_at),
      lastRegisteredBy: r.registered_by,
    });
  }
  return [...out.values()];
}

export interface VersionPiece {
  position: number;
  role: string;
  iuId: string;
  canonicalAddress: string;
  title: string;
  body: string;
  status: string;
}

export interface ChainVersion {
  versionSeq: number;
  versionLabel: string;
  collectionId: string;
  collectionKey: string;
  title: string;
  templateLabel: string | null;
  previousCollectionId: string | null;
  previousVersionLabel: string | null;
  registeredBy: string;
  registeredAt: Date;
  isLatest: boolean;
  liveInstanceCount: number;
  dryRunInstanceCount: number;
  pieces: VersionPiece[];
}

/** One family's chain, oldest first, each version with its pieces; null if the family is unknown. */
export async function getFamily(db: Pick<Database, 'query'>, family: string): Promise<ChainVersion[] | null> {
  const versions = await db.query<Record<string, unknown>>(
    `SELECT v.version_seq, v.version_label, v.collection_id, v.collection_key, o.title, o.template_label,
            v.previous_collection_id, v.previous_version_label, v.registered_by, v.registered_at, v.is_latest,
            coalesce(o.live_instance_count, 0) AS live, coalesce(o.dry_run_instance_count, 0) AS dry_run
       FROM v_iu_template_version_chain v
       LEFT JOIN v_iu_template_observability o ON o.collection_id = v.collection_id
      WHERE v.template_family = $1
      ORDER BY v.version_seq`,
    [family],
  );
  if (!versions.length) return null;
  const pieces = await db.query<{
    collection_id: string;
    position: number;
    role: string;
    iu_id: string;
    canonical_address: string;
    title: string;
    body: string;
    status: string;
  }>(
    `SELECT m.collection_id, m.position, m.role, m.iu_id, u.canonical_address, u.title, u.body, u.status
       FROM iu_piece_collection_member m JOIN information_unit u ON u.id = m.iu_id
      WHERE m.collection_id = ANY ($1::uuid[])
      ORDER BY m.collection_id, m.position`,
    [versions.map((v) => v.collection_id)],
  );
  return versions.map((v) => ({
    versionSeq: Number(v.version_seq),
    versionLabel: String(v.version_label),
    collectionId: String(v.collection_id),
    collectionKey: String(v.collection_key),
    title: String(v.title ?? ''),
    templateLabel: (v.template_label as string) ?? null,
    previousCollectionId: (v.previous_collection_id as string) ?? null,
    previousVersionLabel: (v.previous_version_label as string) ?? null,
    registeredBy: String(v.registered_by),
    registeredAt: new Date(v.registered_at as string),
    isLatest: !!v.is_latest,
    liveInstanceCount: Number(v.live),
    dryRunInstanceCount: Number(v.dry_run),
    pieces: pieces
      .filter((p) => p.collection_id === v.collection_id)
      .map((p) => ({
        position: Number(p.position),
        role: p.role,
        iuId: p.iu_id,
        canonicalAddress: p.canonical_address,
        title: p.title,
        body: p.body,
        status: p.status,
      })),
  }));
}

export type DiffKind = 'added' | 'removed' | 'reused' | 'changed';

export interface DiffEntry {
  kind: DiffKind;
  role: string;
  from: VersionPiece | null;
  to: VersionPiece | null;
  /** For `changed`: whether the title and/or the body differ. */
  titleChanged?: boolean;
  bodyChanged?: boolean;
}

/**
 * Compares two versions' pieces by role: the same piece in both is `reused`; a different
 * piece under the same role is `changed` (its text differs, or it is a new piece with the
 * same text); a role only in `to` is `added`, only in `from` is `removed`. Pure.
 */
export function diffPieces(from: VersionPiece[], to: VersionPiece[]): DiffEntry[] {
  const fromBy = new Map(from.map((p) => [p.role, p]));
  const toBy = new Map(to.map((p) => [p.role, p]));
  const out: DiffEntry[] = [];
  for (const t of to) {
    const f = fromBy.get(t.role);
    if (!f) out.push({ kind: 'added', role: t.role, from: null, to: t });
    else if (f.iuId === t.iuId) out.push({ kind: 'reused', role: t.role, from: f, to: t });
    else
      out.push({
        kind: 'changed',
        role: t.role,
        from: f,
        to: t,
        titleChanged: f.title !== t.title,
        bodyChanged: f.body !== t.body,
      });
  }
  for (const f of from) if (!toBy.has(f.role)) out.push({ kind: 'removed', role: f.role, from: f, to: null });
  return out;
}

/** The diff between two versions of a family, by version label or seq; null if either is missing. */
export async function diffVersions(
  db: Pick<Database, 'query'>,
  family: string,
  a: string,
  b: string,
): Promise<{ from: ChainVersion; to: ChainVersion; entries: DiffEntry[] } | null> {
  const chain = await getFamily(db, family);
  if (!chain) return null;
  const find = (x: string) => chain.find((v) => v.versionLabel === x || String(v.versionSeq) === x);
  const from = find(a);
  const to = find(b);
  if (!from || !to) return null;
  return { from, to, entries: diffPieces(from.pieces, to.pieces) };
}

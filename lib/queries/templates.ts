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

/** Templates sorted by a whitelisted column; `limit`/`offset` page over templates (not the log). */
export async function listTemplates(
  db: Pick<Database, 'query'>,
  opts: { sort?: TemplateSort; dir?: 'asc' | 'desc'; limit?: number; offset?: number; family?: string } = {},
): Promise<{ rows: TemplateRow[]; total: number }> {
  const col = TEMPLATE_SORTS[templateSortOf(opts.sort) ?? 'key'];
  const dir = opts.dir === 'desc' ? 'DESC' : 'ASC';
  const params: unknown[] = [Math.min(opts.limit ?? 100, 1000), Math.max(opts.offset ?? 0, 0)];
  const where = opts.family ? `WHERE template_family = $${params.push(opts.family)}` : '';
  const rows = await db.query<Record<string, unknown>>(
    `SELECT collection_id, collection_key, title, template_label, template_family, version_label, version_seq,
            active_piece_count, live_instance_count, dry_run_instance_count, last_instantiated_at,
            count(*) OVER () AS total
       FROM v_iu_template_observability ${where}
      ORDER BY ${col} ${dir} NULLS LAST, collection_key
      LIMIT $1 OFFSET $2`,
    params,
  );
  return {
    total: rows.length ? Number(rows[0].total) : 0,
    rows: rows.map((r) => ({
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
  const rows = await db.query<{ template_family: string; versions: number; version_label: string; collection_id: string; registered_at: Date; registered_by: string }>(
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
  const pieces = await db.query<{ collection_id: string; position: number; role: string; iu_id: string; canonical_address: string; title: string; body: string; status: string }>(
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
      .map((p) => ({ position: Number(p.position), role: p.role, iuId: p.iu_id, canonicalAddress: p.canonical_address, title: p.title, body: p.body, status: p.status })),
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
    else out.push({ kind: 'changed', role: t.role, from: f, to: t, titleChanged: f.title !== t.title, bodyChanged: f.body !== t.body });
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

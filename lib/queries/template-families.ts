import 'server-only';
// Template families (v_iu_template_version_chain): each family's versions, the pieces of each
// version, and the diff between two of them.
import type { Database } from '@/db/client';
import { diffPieces, type DiffEntry } from './template-diff';

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

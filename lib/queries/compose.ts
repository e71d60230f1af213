import 'server-only';
// Reads for the "new template version" wizard: the families one can compose for, and the
// version a new one starts from (its pieces by role).
import type { Database } from '@/db/client';

export interface ComposeFamily {
  /** `tpl:<name>` */
  family: string;
  latestLabel: string;
  latestSeq: number;
  latestCollectionId: string;
  /** false for a v1 that was composed and marked but never registered: the compose registers it. */
  registered: boolean;
}

/** Registered families (at their latest version) and unregistered v1 templates, by family name. */
export async function listComposeFamilies(db: Pick<Database, 'query'>): Promise<ComposeFamily[]> {
  const rows = await db.query<{
    family: string;
    label: string;
    seq: number;
    collection_id: string;
    registered: boolean;
  }>(
    `SELECT template_family AS family, version_label AS label, version_seq AS seq, collection_id, true AS registered
       FROM v_iu_template_version_chain WHERE is_latest
     UNION ALL
     SELECT split_part(c.collection_key, '/', 1), 'v1', 1, c.id, false
       FROM iu_piece_collection c
      WHERE c.collection_key ~ '^tpl:[A-Za-z0-9][A-Za-z0-9._-]*/v1$' AND c.is_template AND c.instance_template_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM iu_template_version v WHERE v.collection_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM iu_template_version v WHERE v.template_family = split_part(c.collection_key, '/', 1))
      ORDER BY 1`,
  );
  return rows.map((r) => ({
    family: r.family,
    latestLabel: r.label,
    latestSeq: Number(r.seq),
    latestCollectionId: String(r.collection_id),
    registered: !!r.registered,
  }));
}

export interface BasePiece {
  role: string;
  iuId: string;
  canonicalAddress: string;
  title: string;
  body: string;
  unitKind: string;
  sectionType: string;
  /** A retired piece cannot be reused; the wizard offers to replace or drop it. */
  status: string;
}

export interface ComposeBase extends ComposeFamily {
  collectionKey: string;
  kind: string;
  title: string;
  description: string | null;
  templateLabel: string | null;
  /** The `<macro>` of the runbook's address convention, read from the pieces' addresses. */
  macro: string;
  pieces: BasePiece[];
}

/** The macro most of the pieces' addresses use (`iu_core/template/<macro>/…`), or `doc`. */
export function macroOf(addresses: string[]): string {
  const counts = new Map<string, number>();
  for (const a of addresses) {
    const m = /^iu_core\/template\/([^/]+)\//.exec(a);
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'doc';
}

/** The version a new version of `family` starts from, with its pieces in order; null if unknown. */
export async function getComposeBase(db: Pick<Database, 'query'>, family: string): Promise<ComposeBase | null> {
  const name = `tpl:${family.trim().replace(/^tpl:/, '')}`;
  const found = (await listComposeFamilies(db)).find((f) => f.family === name);
  if (!found) return null;
  const [c] = await db.query<{
    collection_key: string;
    kind: string;
    title: string;
    description: string | null;
    template_label: string | null;
  }>(`SELECT collection_key, kind, title, description, template_label FROM iu_piece_collection WHERE id = $1`, [
    found.latestCollectionId,
  ]);
  const pieces = await db.query<{
    role: string;
    iu_id: string;
    canonical_address: string;
    title: string;
    body: string;
    unit_kind: string;
    section_type: string;
    status: string;
  }>(
    `SELECT m.role, m.iu_id, u.canonical_address, u.title, u.body, u.unit_kind, u.section_type, u.status
       FROM iu_piece_collection_member m JOIN information_unit u ON u.id = m.iu_id
      WHERE m.collection_id = $1 ORDER BY m.position`,
    [found.latestCollectionId],
  );
  return {
    ...found,
    collectionKey: c.collection_key,
    kind: c.kind,
    title: c.title,
    description: c.description,
    templateLabel: c.template_label,
    macro: macroOf(pieces.map((p) => p.canonical_address)),
    pieces: pieces.map((p) => ({
      role: p.role,
      iuId: String(p.iu_id),
      canonicalAddress: p.canonical_address,
      title: p.title,
      body: p.body,
      unitKind: p.unit_kind,
      sectionType: p.section_type,
      status: p.status,
    })),
  };
}

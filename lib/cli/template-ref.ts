// `--template` takes a collection id, a collection key (tpl:design-review/v3) or a family
// (tpl:design-review, meaning its latest registered version). Keys are resolved here with a
// read SELECT; the recipe itself only ever receives an id.
import type { Database } from '@/db/client';
import { UUID_RE } from '@/lib/recipes';

export interface TemplateRef {
  id: string;
  /** The collection key, when the id names an existing collection. */
  key: string | null;
  via: 'id' | 'key' | 'family';
}

export type TemplateRefResult = { ok: true; ref: TemplateRef } | { ok: false; message: string };

/** Resolves a --template argument to a collection id. An unknown uuid is passed on as is. */
export async function resolveTemplate(db: Database, raw: string): Promise<TemplateRefResult> {
  const ref = raw.trim();
  if (!ref)
    return {
      ok: false,
      message:
        'The template is required: give a collection id, a key such as tpl:design-review/v3, or a family such as tpl:design-review.',
    };
  if (UUID_RE.test(ref)) {
    const id = ref.toLowerCase();
    const [row] = await db.query<{ collection_key: string }>(
      'SELECT collection_key FROM iu_piece_collection WHERE id = $1',
      [id],
    );
    // an id that names nothing still goes to the recipe, which answers template_collection_not_found
    return { ok: true, ref: { id, key: row?.collection_key ?? null, via: 'id' } };
  }
  const [byKey] = await db.query<{ id: string }>('SELECT id FROM iu_piece_collection WHERE collection_key = $1', [ref]);
  if (byKey) return { ok: true, ref: { id: byKey.id, key: ref, via: 'key' } };

  const family = (ref.startsWith('tpl:') ? ref : `tpl:${ref}`).replace(/\/+$/, '');
  const [latest] = await db.query<{ collection_id: string; collection_key: string }>(
    `SELECT v.collection_id, c.collection_key
       FROM iu_template_version v JOIN iu_piece_collection c ON c.id = v.collection_id
      WHERE v.template_family = $1 ORDER BY v.version_seq DESC LIMIT 1`,
    [family],
  );
  if (latest) return { ok: true, ref: { id: latest.collection_id, key: latest.collection_key, via: 'family' } };
  return {
    ok: false,
    message: `No collection has the key ${JSON.stringify(ref)} and no template family ${family} is registered; list templates with npm run iu -- status, or pass a collection id.`,
  };
}

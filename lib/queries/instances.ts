import 'server-only';
// One instance collection: its tags, template, pieces and the event-log rows of its event.
import type { Database } from '@/db/client';
import type { EventLogRow, RawOf } from '@/db/views';

/** A log row of the instance's event. */
export type InstanceEvent = Pick<EventLogRow, 'id' | 'status' | 'triggeredBy' | 'createdAt'>;

export interface InstanceDetail {
  id: string;
  collectionKey: string;
  title: string;
  createdBy: string;
  createdAt: Date;
  emitMode: string;
  eventId: string;
  templateId: string;
  templateKey: string | null;
  templateFamily: string | null;
  templateVersionLabel: string | null;
  pieces: { position: number; role: string; title: string; canonicalAddress: string }[];
  /** Log rows of this instance's event (the ok row that made it, and any replays). */
  events: InstanceEvent[];
}

/** The instance with this id or collection key (`inst:…`, `dryrun:…`), or null (never made, or rolled back). */
export async function getInstance(db: Pick<Database, 'query'>, idOrKey: string): Promise<InstanceDetail | null> {
  let id = idOrKey;
  if (/^(inst|dryrun):/.test(idOrKey)) {
    // a refusal such as instance_collection_key_collision names the key, not the id
    const [k] = await db.query<{ id: string }>(
      `SELECT id FROM iu_piece_collection WHERE collection_key = $1 AND instance_template_id IS NOT NULL`,
      [idOrKey],
    );
    if (!k) return null;
    id = String(k.id);
  }
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [c] = await db.query<Record<string, unknown>>(
    `SELECT c.id, c.collection_key, c.title, c.created_by, c.created_at, c.instance_emit_mode, c.instance_event_id,
            c.instance_template_id, t.collection_key AS template_key, tv.template_family, tv.version_label
       FROM iu_piece_collection c
       LEFT JOIN iu_piece_collection t ON t.id = c.instance_template_id
       LEFT JOIN iu_template_version tv ON tv.collection_id = c.instance_template_id
      WHERE c.id = $1::uuid AND c.instance_template_id IS NOT NULL`,
    [id],
  );
  if (!c) return null;
  const pieces = await db.query<{ position: number; role: string; title: string; canonical_address: string }>(
    `SELECT m.position, m.role, u.title, u.canonical_address FROM iu_piece_collection_member m
       JOIN information_unit u ON u.id = m.iu_id WHERE m.collection_id = $1::uuid ORDER BY m.position`,
    [id],
  );
  const hasLog = (
    await db.query<{ e: boolean }>(`SELECT to_regclass('iu_auto_instantiate_event_log') IS NOT NULL AS e`)
  )[0].e;
  const events = hasLog
    ? await db.query<RawOf<InstanceEvent>>(
        `SELECT id, status, triggered_by, created_at FROM iu_auto_instantiate_event_log
          WHERE event_id = $1::uuid AND template_collection_id = $2::uuid AND emit_mode = $3
          ORDER BY created_at, id LIMIT 50`,
        [c.instance_event_id, c.instance_template_id, c.instance_emit_mode],
      )
    : [];
  return {
    id: String(c.id),
    collectionKey: String(c.collection_key),
    title: String(c.title),
    createdBy: String(c.created_by),
    createdAt: new Date(c.created_at as string),
    emitMode: String(c.instance_emit_mode),
    eventId: String(c.instance_event_id),
    templateId: String(c.instance_template_id),
    templateKey: (c.template_key as string) ?? null,
    templateFamily: (c.template_family as string) ?? null,
    templateVersionLabel: (c.version_label as string) ?? null,
    pieces: pieces.map((p) => ({
      position: Number(p.position),
      role: p.role,
      title: p.title,
      canonicalAddress: p.canonical_address,
    })),
    events: events.map((e) => ({
      id: Number(e.id),
      status: e.status,
      triggeredBy: e.triggered_by,
      createdAt: new Date(e.created_at),
    })),
  };
}

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

/** An instance that was rolled back: what its event-log row (and the audit trail) still say. */
export interface RolledBackInstance {
  id: string;
  /** The key it had: `inst:` or `dryrun:` + template key + '/' + suffix. */
  collectionKey: string;
  createdBy: string;
  createdAt: Date;
  emitMode: string;
  eventId: string;
  eventType: string;
  logId: number;
  note: string | null;
  templateId: string;
  templateKey: string | null;
  templateFamily: string | null;
  templateVersionLabel: string | null;
  rolledBackAt: Date;
  rolledBackBy: string;
  /** The bulk run it came from (the runbook's bulk naming), if any. */
  batchTag: string | null;
  /** The console audit row of the rollback that removed it, when the console ran it. */
  rollbackAudit: { id: number; recipe: string; reason: string | null } | null;
  /** Log rows of its event (the ok row that made it, and any replays). */
  events: { id: number; status: string; triggeredBy: string; createdAt: Date }[];
}

/**
 * The history of an instance that no longer exists because it was rolled back, by its id
 * or the key it had; null when no event-log row ever made it (then it never existed). The
 * id is found on 055's index; a key is parsed (`inst:<template key>/<suffix>`) and found on
 * the template's rows.
 */
export async function getRolledBackInstance(
  db: Pick<Database, 'query'>,
  idOrKey: string,
): Promise<RolledBackInstance | null> {
  const hasLog = (
    await db.query<{ e: boolean }>(`SELECT to_regclass('iu_auto_instantiate_event_log') IS NOT NULL AS e`)
  )[0].e;
  if (!hasLog) return null;
  const SELECT = `SELECT l.id, l.event_id, l.event_type, l.emit_mode, l.triggered_by, l.created_at, l.note,
            l.unique_suffix, l.instance_collection_id, l.template_collection_id, l.rolled_back_at, l.rolled_back_by,
            t.collection_key AS template_key, tv.template_family, tv.version_label
       FROM iu_auto_instantiate_event_log l
       LEFT JOIN iu_piece_collection t ON t.id = l.template_collection_id
       LEFT JOIN iu_template_version tv ON tv.collection_id = l.template_collection_id`;
  let rows: Record<string, unknown>[];
  const key = /^(inst|dryrun):(.+)\/([^/]+)$/.exec(idOrKey);
  if (key) {
    rows = await db.query(
      `${SELECT}
        WHERE l.template_collection_id = (SELECT id FROM iu_piece_collection WHERE collection_key = $1 AND is_template)
          AND l.unique_suffix = $2 AND l.emit_mode = $3 AND l.status = 'ok' AND l.rolled_back_at IS NOT NULL
        ORDER BY l.rolled_back_at DESC LIMIT 1`,
      [key[2], key[3], key[1] === 'inst' ? 'live' : 'dry_run'],
    );
  } else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrKey)) {
    rows = await db.query(
      `${SELECT}
        WHERE l.instance_collection_id = $1::uuid AND l.status = 'ok' AND l.rolled_back_at IS NOT NULL
        ORDER BY l.created_at LIMIT 1`,
      [idOrKey],
    );
  } else return null;
  const r = rows[0];
  if (!r) return null;
  const actor = String(r.triggered_by);
  const rolledBackAt = new Date(r.rolled_back_at as string);
  const [audit] = await db.query<{ id: number; recipe: string; reason: string | null }>(
    `SELECT id, recipe, reason FROM console_audit_log
      WHERE started_at BETWEEN $2::timestamptz - interval '1 hour' AND $2::timestamptz
        AND finished_at >= $2::timestamptz AND committed AND decision = 'ok'
        AND (recipe = 'rollback_by_actor' AND params->>'targetActor' = $1
             OR recipe = 'rollback_batch'
                AND params->>'jobId' IN (SELECT id::text FROM console_bulk_job WHERE actor = $1))
      ORDER BY started_at DESC LIMIT 1`,
    [actor, rolledBackAt.toISOString()],
  );
  const events = await db.query<{ id: number; status: string; triggered_by: string; created_at: Date }>(
    `SELECT id, status, triggered_by, created_at FROM iu_auto_instantiate_event_log
      WHERE event_id = $1::uuid AND template_collection_id = $2::uuid AND emit_mode = $3
      ORDER BY created_at, id LIMIT 50`,
    [r.event_id, r.template_collection_id, r.emit_mode],
  );
  const suffix = String(r.unique_suffix);
  const eventId = String(r.event_id);
  const n = /-([0-9]{3,12})$/.exec(suffix);
  const bulk = !!n && /^[0-9]{12}$/.test(eventId.slice(-12)) && Number(eventId.slice(-12)) === Number(n[1]);
  return {
    id: String(r.instance_collection_id),
    collectionKey: `${r.emit_mode === 'live' ? 'inst:' : 'dryrun:'}${(r.template_key as string) ?? r.template_collection_id}/${suffix}`,
    createdBy: actor,
    createdAt: new Date(r.created_at as string),
    emitMode: String(r.emit_mode),
    eventId,
    eventType: String(r.event_type),
    logId: Number(r.id),
    note: (r.note as string) ?? null,
    templateId: String(r.template_collection_id),
    templateKey: (r.template_key as string) ?? null,
    templateFamily: (r.template_family as string) ?? null,
    templateVersionLabel: (r.version_label as string) ?? null,
    rolledBackAt,
    rolledBackBy: String(r.rolled_back_by ?? 'unknown'),
    batchTag: bulk ? suffix.slice(0, suffix.length - n![0].length) : null,
    rollbackAudit: audit ? { id: Number(audit.id), recipe: audit.recipe, reason: audit.reason } : null,
    events: events.map((e) => ({
      id: Number(e.id),
      status: e.status,
      triggeredBy: e.triggered_by,
      createdAt: new Date(e.created_at),
    })),
  };
}

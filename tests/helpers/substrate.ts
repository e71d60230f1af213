// Helpers that talk to the substrate the way an operator at psql does: BEGIN, open the gates
// with UPDATE dot_config, call the function, close the gates, COMMIT or ROLLBACK.
import crypto from 'node:crypto';
import type { Database, Session } from '@/db/client';

export type Json = Record<string, unknown>;

export const COMPOSER = 'iu_core.composer_enabled';
export const AUTO = 'iu_core.auto_instantiate_enabled';
export const DELIVERY = 'iu_core.delivery_enabled';
export const RETENTION = 'iu_core.retention_enabled';
export const ALL_GATES = [COMPOSER, AUTO, DELIVERY, RETENTION];

/** A name no other test (or earlier run) used. */
export function uniq(prefix = 't'): string {
  return `${prefix}-${crypto.randomBytes(5).toString('hex')}`;
}

export const uuid = (): string => crypto.randomUUID();

/** Runs `fn` in one transaction on one connection; commits unless `commit` is false. */
export async function tx<T>(db: Database, fn: (s: Session) => Promise<T>, opts: { commit?: boolean } = {}): Promise<T> {
  return db.withSession(async (s) => {
    await s.query('BEGIN');
    try {
      const out = await fn(s);
      await s.query(opts.commit === false ? 'ROLLBACK' : 'COMMIT');
      return out;
    } catch (err) {
      await s.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

/** `SELECT <call> AS r` and returns the jsonb answer. */
export async function call(s: Pick<Session, 'query'>, text: string, params: unknown[] = []): Promise<Json> {
  const rows = await s.query<{ r: Json }>(`SELECT ${text} AS r`, params);
  return rows[0].r;
}

export async function setGate(s: Pick<Session, 'query'>, key: string, open: boolean): Promise<void> {
  await s.query(`UPDATE dot_config SET value = $1 WHERE key = $2`, [open ? 'true' : 'false', key]);
}

export interface GateChoice {
  composer?: boolean;
  live?: boolean;
}

/**
 * The runbook's transaction shape: open the chosen gates (composer first), run `fn`, close
 * them, then COMMIT (default) or ROLLBACK.
 */
export async function gated<T>(
  db: Database,
  gates: GateChoice,
  fn: (s: Session) => Promise<T>,
  opts: { commit?: boolean } = {},
): Promise<T> {
  return tx(
    db,
    async (s) => {
      if (gates.composer) await setGate(s, COMPOSER, true);
      if (gates.live) await setGate(s, AUTO, true);
      const out = await fn(s);
      await setGate(s, COMPOSER, false);
      await setGate(s, AUTO, false);
      return out;
    },
    opts,
  );
}

export async function gateValues(db: Pick<Database, 'query'>): Promise<Record<string, string>> {
  const rows = await db.query<{ key: string; value: string }>(`SELECT key, value FROM dot_config ORDER BY key`);
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export const ALL_CLOSED = Object.fromEntries(ALL_GATES.map((g) => [g, 'false']));

export type Snapshot = Record<string, { count: number; digest: string }>;

/**
 * Row count and a content digest of every table in the schema (tables named test_* are the
 * tests' own instruments and are left out): two equal snapshots mean nothing was written.
 */
export async function snapshot(db: Pick<Database, 'query'>): Promise<Snapshot> {
  const tables = await db.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'test\\_%' ORDER BY 1`,
  );
  const out: Snapshot = {};
  for (const { t } of tables) {
    const [row] = await db.query<{ n: number; d: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS d FROM ${quoteIdent(t)} x`,
    );
    out[t] = { count: row.n, digest: row.d };
  }
  return out;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function count(db: Pick<Database, 'query'>, text: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${text}`, params);
  return row.n;
}

export interface Template {
  id: string;
  key: string;
  pieceIds: string[];
  roles: string[];
}

/** Composes a collection of `pieces` new pieces (gated, committed) and marks it unless `mark: false`. */
export async function makeTemplate(
  db: Database,
  opts: { pieces?: number; mark?: boolean; key?: string; actor?: string } = {},
): Promise<Template> {
  const key = opts.key ?? `tpl:${uniq('fam')}/v1`;
  const n = opts.pieces ?? 3;
  const roles = Array.from({ length: n }, (_, i) => `role-${i + 1}`);
  const pieces = roles.map((role) => ({
    role,
    new_piece: {
      canonical_address: `iu_core/template/test/${uniq('addr')}/${role}`,
      title: `Title ${role}`,
      body: `Body of ${role}`,
      unit_kind: 'design_doc_section',
      section_type: 'section',
    },
  }));
  const actor = opts.actor ?? 'setup';
  const r = await gated(db, { composer: true }, (s) =>
    call(s, `fn_iu_compose($1, 'design_doc', 'A template', 'made by a test', $2::jsonb, $3)`, [
      key,
      JSON.stringify(pieces),
      actor,
    ]),
  );
  if (r.status !== 'ok') throw new Error(`set-up compose failed: ${JSON.stringify(r)}`);
  const id = String(r.collection_id);
  if (opts.mark !== false) {
    const m = await call(db, `fn_iu_collection_mark_as_template($1::uuid, 'label', 'note', $2)`, [id, actor]);
    if (m.status !== 'ok') throw new Error(`set-up mark failed: ${JSON.stringify(m)}`);
  }
  return { id, key, pieceIds: r.new_piece_ids as string[], roles };
}

export interface InstantiateArgs {
  eventId?: string;
  eventType?: string | null;
  templateId: string | null;
  suffix?: string | null;
  mode?: string | null;
  actor?: string | null;
  note?: string | null;
}

/** One call of fn_iu_auto_instantiate_from_event on an open session. */
export async function instantiateOn(s: Pick<Session, 'query'>, a: InstantiateArgs): Promise<Json> {
  return call(s, `fn_iu_auto_instantiate_from_event($1::uuid, $2, $3::uuid, $4, $5, $6, $7)`, [
    a.eventId === undefined ? uuid() : a.eventId,
    a.eventType === undefined ? 'template.published' : a.eventType,
    a.templateId,
    a.suffix === undefined ? uniq('sfx') : a.suffix,
    a.mode === undefined ? 'dry_run' : a.mode,
    a.actor === undefined ? 'tester' : a.actor,
    a.note === undefined ? null : a.note,
  ]);
}

/** The runbook's auto-instantiate recipe: gates for the mode, one call, close, COMMIT. */
export async function instantiate(
  db: Database,
  a: InstantiateArgs,
  opts: { gates?: GateChoice; commit?: boolean } = {},
): Promise<Json> {
  const gates = opts.gates ?? { composer: true, live: a.mode === 'live' };
  return gated(db, gates, (s) => instantiateOn(s, a), { commit: opts.commit });
}

export interface LogRow {
  id: number;
  event_id: string;
  event_type: string;
  template_collection_id: string;
  instance_collection_id: string | null;
  unique_suffix: string;
  emit_mode: string;
  status: string;
  triggered_by: string;
  note: string | null;
  replay_of_event_log_id: number | null;
  created_at: Date;
  rolled_back_at: Date | null;
  rolled_back_by: string | null;
}

export async function logRowsFor(db: Pick<Database, 'query'>, eventId: string): Promise<LogRow[]> {
  return db.query<LogRow>(`SELECT * FROM iu_auto_instantiate_event_log WHERE event_id = $1 ORDER BY created_at, id`, [
    eventId,
  ]);
}

export async function instancesOfEvent(db: Pick<Database, 'query'>, eventId: string) {
  return db.query<{ id: string; collection_key: string; instance_emit_mode: string; created_by: string }>(
    `SELECT id, collection_key, instance_emit_mode, created_by FROM iu_piece_collection WHERE instance_event_id = $1 ORDER BY created_at`,
    [eventId],
  );
}

export async function membersOf(db: Pick<Database, 'query'>, collectionId: string) {
  return db.query<{ position: number; role: string; iu_id: string }>(
    `SELECT position, role, iu_id FROM iu_piece_collection_member WHERE collection_id = $1 ORDER BY position`,
    [collectionId],
  );
}

export async function sessionUser(db: Pick<Database, 'query'>): Promise<string> {
  const [row] = await db.query<{ u: string }>(`SELECT session_user::text AS u`);
  return row.u;
}

/** Waits until `pid` is blocked on a lock (a heavyweight lock or a row/transaction lock). */
export async function waitUntilBlocked(db: Pick<Database, 'query'>, pid: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.query<{ w: string | null }>(
      `SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1`,
      [pid],
    );
    if (row?.w === 'Lock') return;
    if (Date.now() > until) throw new Error(`backend ${pid} never blocked on a lock (wait_event_type=${row?.w})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

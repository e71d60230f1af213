import 'server-only';
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import type { EventLogRow, RawOf } from '@/db/views';

export interface TemplateOption {
  collectionId: string;
  collectionKey: string;
  title: string;
  /** `tpl:<family>` when the template is registered in a version chain. */
  family: string | null;
  versionLabel: string | null;
  versionSeq: number | null;
  /** The newest version of its family (false for unregistered templates). */
  isLatest: boolean;
  activePieceCount: number;
  /** What the picker shows: family and version first, because that is how people name templates. */
  label: string;
}

/** The picker's text for one template: `tpl:design-review v3 (latest) · Design review`. */
export function templateOptionLabel(o: Omit<TemplateOption, 'label'>): string {
  const head =
    o.family && o.versionLabel
      ? `${o.family} ${o.versionLabel}${o.isLatest ? ' (latest)' : ''}`
      : `${o.collectionKey} (no version)`;
  const empty = o.activePieceCount === 0 ? ' · no active pieces' : '';
  return `${head} · ${o.title}${empty}`;
}

/** Templates to pick from when instantiating: by family, newest version first; unregistered ones last. */
export async function listTemplateOptions(db: Database): Promise<TemplateOption[]> {
  const rows = rowsOf<{
    collection_id: string;
    collection_key: string;
    title: string;
    template_family: string | null;
    version_label: string | null;
    version_seq: number | null;
    active_piece_count: number;
    is_latest: boolean;
  }>(
    await db.orm.execute(sql`
      SELECT o.collection_id, o.collection_key, o.title, o.template_family, o.version_label, o.version_seq,
             o.active_piece_count, coalesce(ch.is_latest, false) AS is_latest
        FROM v_iu_template_observability o
        LEFT JOIN v_iu_template_version_chain ch ON ch.collection_id = o.collection_id
       ORDER BY o.template_family IS NULL, o.template_family, o.version_seq DESC NULLS LAST, o.collection_key`),
  );
  return rows.map((r) => {
    const o = {
      collectionId: String(r.collection_id),
      collectionKey: r.collection_key,
      title: r.title,
      family: r.template_family,
      versionLabel: r.version_label,
      versionSeq: r.version_seq == null ? null : Number(r.version_seq),
      isLatest: r.is_latest === true,
      activePieceCount: Number(r.active_piece_count),
    };
    return { ...o, label: templateOptionLabel(o) };
  });
}

export interface ActorHistory {
  actor: string;
  username: string;
  runTag: string | null;
  live: number;
  dryRun: number;
  rolledBack: number;
  lastAt: Date;
}

/** Per-actor history: the event log grouped by user and run tag. */
export async function listActorHistory(db: Database): Promise<ActorHistory[]> {
  const rows = rowsOf<{ actor: string; live: number; dry_run: number; rolled_back: number; last_at: Date }>(
    // from the per-actor rollup kept by 033's triggers: flat at any size of the log
    await db.orm.execute(sql`
      SELECT triggered_by AS actor,
             coalesce(sum(event_count) FILTER (WHERE emit_mode = 'live' AND status = 'ok'), 0)::int AS live,
             coalesce(sum(event_count) FILTER (WHERE emit_mode = 'dry_run' AND status = 'ok'), 0)::int AS dry_run,
             sum(rolled_back_count)::int AS rolled_back,
             max(last_at) AS last_at
        FROM iu_aiel_rollup_actor
       GROUP BY triggered_by
       ORDER BY split_part(triggered_by, ':', 1), triggered_by`),
  );
  return rows.map((r) => {
    const i = r.actor.indexOf(':');
    return {
      actor: r.actor,
      username: i < 0 ? r.actor : r.actor.slice(0, i),
      runTag: i < 0 ? null : r.actor.slice(i + 1),
      live: r.live,
      dryRun: r.dry_run,
      rolledBack: r.rolled_back,
      lastAt: new Date(r.last_at),
    };
  });
}

/** The last few event-log rows, newest first (who did what, as the substrate recorded it). */
export async function listRecentEvents(db: Database, limit = 20) {
  return rowsOf<RawOf<Pick<EventLogRow, 'id' | 'eventId' | 'triggeredBy' | 'emitMode' | 'status' | 'createdAt'>>>(
    await db.orm.execute(sql`SELECT id, event_id, triggered_by, emit_mode, status, created_at
      FROM iu_auto_instantiate_event_log ORDER BY id DESC LIMIT ${limit}`),
  );
}

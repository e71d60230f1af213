import 'server-only';
import { asc, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { templateObservability } from '@/db/views';

export interface TemplateOption {
  collectionId: string;
  collectionKey: string;
  title: string;
}

/** Templates to pick from when instantiating. */
export async function listTemplateOptions(db: Database): Promise<TemplateOption[]> {
  return db.orm
    .select({ collectionId: templateObservability.collectionId, collectionKey: templateObservability.collectionKey, title: templateObservability.title })
    .from(templateObservability)
    .orderBy(asc(templateObservability.collectionKey));
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
  return rowsOf<{ id: number; event_id: string; triggered_by: string; emit_mode: string; status: string; created_at: Date }>(
    await db.orm.execute(sql`SELECT id, event_id, triggered_by, emit_mode, status, created_at
      FROM iu_auto_instantiate_event_log ORDER BY id DESC LIMIT ${limit}`),
  );
}

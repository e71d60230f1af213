import 'server-only';
import type { Database, DatabaseKind } from '@/db/client';
import { migrationStatus, type MigrationStatus } from '@/db/migrate';
import { readGates, type Gate } from '@/lib/recipes';

export const AUTO_INSTANTIATE_OFF_MESSAGE =
  'Auto-instantiate is off: migration 033 is not applied. Run npm run db:migrate to restore it.';

export interface AutoInstantiateState {
  /** The event-log table exists (migration 033 is in place). */
  available: boolean;
  /** The rollback of 033 left the log renamed to its archive table. */
  archived: boolean;
  /** Why auto-instantiate is off, as a sentence; null when it is available. */
  message: string | null;
}

export interface OverviewCounts {
  templates: number;
  liveInstances: number;
  dryRunInstances: number;
  /** Rows of the event log; null while migration 033 is absent. */
  events: number | null;
  /** Rows kept in the 033 archive table while 033 is rolled back. */
  archivedEvents: number | null;
}

export interface Overview {
  database: { kind: DatabaseKind; label: string };
  gates: Gate[];
  /** Keys of gates that are open in committed data: each is a gate leak. */
  leakedGates: string[];
  migrations: MigrationStatus[];
  autoInstantiate: AutoInstantiateState;
  counts: OverviewCounts;
}

/** Everything the overview page shows, read with plain SELECTs. */
export async function getOverview(db: Database): Promise<Overview> {
  const [gates, migrations, autoInstantiate, collections] = await Promise.all([
    readGates(db),
    migrationStatus(db),
    getAutoInstantiateState(db),
    db.query<{ templates: number; live: number; dry_run: number }>(
      // counters and a partial index: counting the collections would read every instance
      `SELECT (SELECT count(*) FROM iu_piece_collection WHERE is_template)::int AS templates,
              (SELECT coalesce(sum(live_instance_count), 0) FROM iu_template_instance_count)::bigint AS live,
              (SELECT coalesce(sum(dry_run_instance_count), 0) FROM iu_template_instance_count)::bigint AS dry_run`,
    ),
  ]);

  // Table names cannot be bound parameters; both names are constants checked by to_regclass.
  const logTable = autoInstantiate.available
    ? 'iu_auto_instantiate_event_log'
    : autoInstantiate.archived
      ? 'iu_auto_instantiate_event_log_archive_033'
      : null;
  // The live log is counted from its rollup; the archive (033 rolled back) has none.
  const logRows = !logTable
    ? null
    : autoInstantiate.available
      ? Number(
          (
            await db.query<{ n: number }>('SELECT coalesce(sum(event_count), 0)::bigint AS n FROM iu_aiel_rollup_actor')
          )[0]?.n ?? 0,
        )
      : Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${logTable}`))[0]?.n ?? 0);

  const c = collections[0];
  return {
    database: { kind: db.kind, label: db.label },
    gates,
    leakedGates: gates.filter((g) => g.open).map((g) => g.key),
    migrations,
    autoInstantiate,
    counts: {
      templates: Number(c?.templates ?? 0),
      liveInstances: Number(c?.live ?? 0),
      dryRunInstances: Number(c?.dry_run ?? 0),
      events: autoInstantiate.available ? logRows : null,
      archivedEvents: autoInstantiate.available ? null : logRows,
    },
  };
}

/** Whether migration 033's event log is present; after its rollback it is an archive table. */
export async function getAutoInstantiateState(db: Database): Promise<AutoInstantiateState> {
  const [row] = await db.query<{ present: boolean; archived: boolean }>(
    `SELECT to_regclass('iu_auto_instantiate_event_log') IS NOT NULL AS present,
            to_regclass('iu_auto_instantiate_event_log_archive_033') IS NOT NULL AS archived`,
  );
  const available = !!row?.present;
  return {
    available,
    archived: !!row?.archived,
    message: available ? null : AUTO_INSTANTIATE_OFF_MESSAGE,
  };
}

/** Keys of the iu_core gates open in committed data (a gate leak when non-empty). */
export async function listLeakedGates(db: Database): Promise<string[]> {
  return (await readGates(db)).filter((g) => g.open).map((g) => g.key);
}

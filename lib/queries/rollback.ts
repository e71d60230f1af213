import 'server-only';
// What the rollback page shows about the substrate rollback of migration 033. The console
// never runs it: dropping a migration is a deliberate act at psql, so the page shows whether
// 033 is applied and the runbook's exact command.
import type { Database } from '@/db/client';
import { migrationStatus } from '@/db/migrate';
import { getAutoInstantiateState } from './overview';

/** The rollback file at the path the runbook names (sql/iu-core/rollback is a link to db/rollback). */
export const ROLLBACK_033_FILE = 'sql/iu-core/rollback/033_auto_instantiate_from_event.rollback.sql';

/** The runbook's command, word for word (its two lines, without the SQL comment marks). */
export const ROLLBACK_033_COMMAND = `psql -c "SET iu_core.force_rollback_033=true;" \\\n     -f ${ROLLBACK_033_FILE}`;

export interface Rollback033Status {
  /** 033 is recorded in iu_core_schema_migrations. */
  applied: boolean;
  appliedAt: Date | null;
  appliedBy: string | null;
  /** The migration file changed since it was applied. */
  drifted: boolean;
  /** The event log is kept as iu_auto_instantiate_event_log_archive_033 (033 rolled back). */
  archived: boolean;
  /** The rollback by actor works only while 033's function and log exist. */
  rollbackByActorAvailable: boolean;
  file: string;
  command: string;
}

/** Whether migration 033 is applied, and the runbook's psql command for its substrate rollback. */
export async function getRollback033Status(db: Database): Promise<Rollback033Status> {
  const [migrations, state] = await Promise.all([migrationStatus(db), getAutoInstantiateState(db)]);
  const m = migrations.find((x) => x.version === '033');
  return {
    applied: !!m?.applied,
    appliedAt: m?.appliedAt ?? null,
    appliedBy: m?.appliedBy ?? null,
    drifted: !!m?.drifted,
    archived: state.archived,
    rollbackByActorAvailable: state.available,
    file: ROLLBACK_033_FILE,
    command: ROLLBACK_033_COMMAND,
  };
}

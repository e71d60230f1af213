import type { DatabaseKind } from '@/db/client';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Code } from '@/components/ui/code';
import { formatTimestamp } from '@/components/ui/format';
import type { Rollback033Status } from '@/lib/queries/rollback';

/**
 * The substrate rollback of migration 033, shown and never run: it turns auto-instantiate off
 * for everyone, so it stays a deliberate act at psql with the runbook's forcing setting.
 */
export function Substrate033Panel({ status, databaseKind }: { status: Rollback033Status; databaseKind: DatabaseKind }) {
  return (
    <Card
      title="Substrate rollback of migration 033 (shown, not run)"
      description="Drops auto-instantiate itself: its functions, views and rollups. The console never runs it."
      className="scroll-mt-6"
      id="substrate-033"
    >
      <div
        className="space-y-3 text-sm text-slate-700"
        data-testid="substrate-033"
        data-applied={status.applied ? 'yes' : 'no'}
      >
        <p className="flex flex-wrap items-center gap-2">
          <span>Migration 033 (auto-instantiate from events):</span>
          {status.applied ? <Badge tone="success">applied</Badge> : <Badge tone="warning">not applied</Badge>}
          {status.applied && (
            <span className="text-xs text-slate-500">
              since {formatTimestamp(status.appliedAt)} by {status.appliedBy ?? 'unknown'}
            </span>
          )}
          {status.drifted && <Badge tone="danger">file changed since applied</Badge>}
        </p>
        {!status.applied && (
          <p>
            033 is rolled back
            {status.archived && (
              <>
                ; its event log is kept as <Code>iu_auto_instantiate_event_log_archive_033</Code>
              </>
            )}
            . <Code>npm run db:migrate</Code> restores it with its history.
          </p>
        )}
        <div>
          <p className="font-medium">
            The runbook&apos;s command, run at psql by a person with authority over the database:
          </p>
          <pre
            className="mt-1 overflow-x-auto rounded-md bg-slate-900 px-4 py-3 font-mono text-xs leading-relaxed text-slate-100"
            data-testid="substrate-033-command"
          >
            {status.command}
          </pre>
          <p className="mt-1 text-xs text-slate-500">
            Run it from the console&apos;s folder (<Code>{status.file}</Code> links to <Code>db/rollback/</Code>), with
            psql connected to this database (PGHOST, PGDATABASE… or a connection string as its first argument). Without
            the <Code>SET</Code> it stops with an error and changes nothing.
          </p>
        </div>
        <ul className="list-disc space-y-1 pl-5 text-xs text-slate-600">
          <li>It does not remove instances: for that, use the rollback by actor above.</li>
          <li>
            It keeps the event log (renamed to the archive table) and the template views; the console then says
            auto-instantiate is off.
          </li>
          <li>
            <Code>npm run db:migrate</Code> applies 033 again and brings the archived log back, so replays and rollbacks
            of earlier instances work again.
          </li>
          {databaseKind === 'pglite' && (
            <li data-testid="substrate-033-pglite">
              This console runs on the embedded PGlite, which psql cannot connect to: the command applies to a
              PostgreSQL deployment (DATABASE_URL).
            </li>
          )}
        </ul>
      </div>
    </Card>
  );
}

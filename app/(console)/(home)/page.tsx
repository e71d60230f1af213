import type { Metadata } from 'next';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Code } from '@/components/ui/code';
import { CountTiles } from '@/components/overview/CountTiles';
import { DatabasePanel } from '@/components/overview/DatabasePanel';
import { GatePanel } from '@/components/overview/GatePanel';
import { MigrationTable } from '@/components/overview/MigrationTable';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { getOverview } from '@/lib/queries/overview';
import { getActivity, getEventCounts } from '@/lib/queries/activity';
import { parseTimeRange } from '@/lib/charts/time-range';
import { ActivityPanel } from '@/components/overview/ActivityPanel';
import { AutoRefresh } from '@/components/dashboards/AutoRefresh';
import { getDbState } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const range = parseTimeRange(await searchParams);
  const opened = await openPage({
    title: 'Overview',
    role: 'viewer',
    what: 'overview',
    load: async (db) => {
      const overview = await getOverview(db);
      // the activity panel reads 033's rollups: absent while 033 is rolled back
      const activity = overview.autoInstantiate.available
        ? await Promise.all([getActivity(db, { days: 0 }), getEventCounts(db, range.spec)]).then(([now, overTime]) => ({
            now,
            overTime,
          }))
        : null;
      // the start-up problems (migrations, demo data) the database handle kept
      const { issues } = await getDbState();
      return { overview, activity, issues };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { overview, activity, issues } = opened.data;
  const { autoInstantiate, counts } = overview;

  return (
    <div className="space-y-6">
      <PageHeader
        title="Overview"
        description="Gates, migrations and volumes of the iu_core substrate, read from committed data."
        meta={
          <>
            <AutoRefresh />
            <Badge tone="info">{overview.database.kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}</Badge>
          </>
        }
      />

      {issues.map((issue) => (
        <Alert
          key={issue.step}
          tone="warning"
          title={
            issue.step === 'migrate' ? 'Migrations could not be applied at start-up' : 'Demo data could not be loaded'
          }
        >
          <p>{issue.message}</p>
          {issue.step === 'migrate' && (
            <p>
              Fix the cause, then run <Code>npm run db:migrate</Code> and restart the console.
            </p>
          )}
        </Alert>
      ))}

      {!autoInstantiate.available && (
        <Alert tone="warning" title={autoInstantiate.message} testId="auto-instantiate-off">
          {autoInstantiate.archived && (
            <p>
              Its event log is kept in <Code>iu_auto_instantiate_event_log_archive_033</Code> (
              {counts.archivedEvents ?? 0} rows) and comes back with its history when 033 is applied again.
            </p>
          )}
        </Alert>
      )}

      <CountTiles counts={counts} autoInstantiateOn={autoInstantiate.available} />

      {activity && <ActivityPanel activity={activity.now} overTime={activity.overTime} range={range} />}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <GatePanel gates={overview.gates} />
        </div>
        <DatabasePanel overview={overview} />
      </div>

      <MigrationTable migrations={overview.migrations} />
    </div>
  );
}

import type { Metadata } from 'next';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Code } from '@/components/ui/code';
import { CountTiles } from '@/components/overview/CountTiles';
import { DatabasePanel } from '@/components/overview/DatabasePanel';
import { GatePanel } from '@/components/overview/GatePanel';
import { MigrationTable } from '@/components/overview/MigrationTable';
import { DatabaseUnavailable } from '@/components/shell/DatabaseUnavailable';
import { PageHeader } from '@/components/shell/PageHeader';
import { getOverview, type Overview } from '@/lib/queries/overview';
import { getActivity, getEventCounts, type Activity, type EventCounts } from '@/lib/queries/activity';
import { parseTimeRange, type ParsedRange } from '@/lib/charts/time-range';
import { ActivityPanel } from '@/components/overview/ActivityPanel';
import { AutoRefresh } from '@/components/dashboards/AutoRefresh';
import { describeDatabaseError, getDbState, type StartupIssue } from '@/lib/server/db';
import { requireRole } from '@/lib/server/auth';
import { NotAllowed } from '@/components/shell/NotAllowed';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Overview' };

type Loaded =
  | {
      ok: true;
      overview: Overview;
      activity: { now: Activity; overTime: EventCounts } | null;
      issues: StartupIssue[];
    }
  | { ok: false; title: string; message: string };

// Failures are turned into sentences here rather than thrown: in production Next.js hides a
// server error's message from the error boundary, and "the database is locked by pid 123"
// is exactly what an operator needs to read.
async function load(range: ParsedRange): Promise<Loaded> {
  let state;
  try {
    state = await getDbState();
  } catch (err) {
    return { ok: false, title: 'The database could not be opened', message: describeDatabaseError(err) };
  }
  try {
    const overview = await getOverview(state.db);
    // the activity panel reads 033's rollups: absent while 033 is rolled back
    const activity = overview.autoInstantiate.available
      ? await Promise.all([getActivity(state.db, { days: 0 }), getEventCounts(state.db, range.spec)]).then(
          ([now, overTime]) => ({ now, overTime }),
        )
      : null;
    return { ok: true, overview, activity, issues: state.issues };
  } catch (err) {
    return { ok: false, title: 'The overview could not be read', message: describeDatabaseError(err) };
  }
}

export default async function OverviewPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // each page checks for itself: a client-side navigation renders the page without its layout
  const { allowed } = await requireRole('viewer');
  if (!allowed) return <NotAllowed need="viewer" />;
  const range = parseTimeRange(await searchParams);
  const loaded = await load(range);
  if (!loaded.ok) {
    return (
      <div className="space-y-6">
        <PageHeader title="Overview" />
        <DatabaseUnavailable title={loaded.title} message={loaded.message} />
      </div>
    );
  }
  const { overview, activity, issues } = loaded;
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

import type { Metadata } from 'next';
import { Substrate033Panel } from '@/components/rollback/Substrate033Panel';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { Alert } from '@/components/ui/alert';
import { listActorHistory, type ActorHistory } from '@/lib/queries/console';
import { AUTO_INSTANTIATE_OFF_MESSAGE } from '@/lib/queries/overview';
import { getRollback033Status } from '@/lib/queries/rollback';
import { RollbackConsole } from './RollbackConsole';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Rollback by actor' };

export default async function RollbackPage({ searchParams }: { searchParams: Promise<{ actor?: string | string[] }> }) {
  const { actor } = await searchParams;
  const opened = await openPage({
    title: 'Rollback by actor',
    role: 'lead',
    what: 'rollback page',
    load: async (db) => {
      const substrate = await getRollback033Status(db);
      // the actor rollup is 033's: while 033 is rolled back there is no history to pick from
      const history: ActorHistory[] = substrate.rollbackByActorAvailable ? await listActorHistory(db) : [];
      return { substrate, history, kind: db.kind };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { substrate, history, kind } = opened.data;
  return (
    <div className="space-y-6">
      <PageHeader
        title="Rollback by actor"
        description="Removes every instance one exact actor string made that is not rolled back yet. A dry run lists them first; the durable rollback needs the actor typed and a reason."
      />
      {substrate.rollbackByActorAvailable ? (
        // arriving from an actor's timeline (/actors/<actor>) fills the actor in
        <RollbackConsole initialActor={typeof actor === 'string' ? actor : ''} history={history} />
      ) : (
        <Alert tone="warning" title="Rollback by actor is off" testId="rollback-off">
          <p>{AUTO_INSTANTIATE_OFF_MESSAGE}</p>
        </Alert>
      )}
      <Substrate033Panel status={substrate} databaseKind={kind} />
    </div>
  );
}

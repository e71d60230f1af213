import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { Table, Td, Th } from '@/components/ui/table';
import { listActorHistory } from '@/lib/queries/console';
import { requireRole } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';
import { RollbackForm } from './RollbackForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Rollback by actor' };

export default async function RollbackPage({ searchParams }: { searchParams: Promise<{ actor?: string | string[] }> }) {
  const { allowed } = await requireRole('lead');
  if (!allowed) return <NotAllowed need="lead" />;
  const history = await listActorHistory(await getDb());
  const { actor } = await searchParams;
  return (
    <div className="space-y-6">
      <PageHeader title="Rollback by actor" description="A dry run lists what would go; a durable rollback deletes the instances and needs a reason." />
      {/* arriving from an actor's timeline fills the actor in */}
      <RollbackForm initialActor={typeof actor === 'string' ? actor : ''} />
      <section className="rounded-lg border border-slate-200 bg-white shadow-sm">
        <h2 className="border-b border-slate-100 px-5 py-3 text-sm font-semibold">Per-actor history (user, run tag)</h2>
        <Table>
          <thead>
            <tr>
              <Th>User</Th>
              <Th>Run tag</Th>
              <Th>Live</Th>
              <Th>Dry run</Th>
              <Th>Rolled back</Th>
              <Th>Last</Th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.actor} data-testid={`actor-${h.actor}`}>
                <Td className="font-mono">{h.username}</Td>
                <Td className="font-mono">{h.runTag ?? '—'}</Td>
                <Td>{h.live}</Td>
                <Td>{h.dryRun}</Td>
                <Td>{h.rolledBack}</Td>
                <Td>{h.lastAt.toISOString().slice(0, 16).replace('T', ' ')}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </section>
    </div>
  );
}

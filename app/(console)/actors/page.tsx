import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '@/components/dashboards/AutoRefresh';
import { PageHeader } from '@/components/shell/PageHeader';
import { Card } from '@/components/ui/card';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { listActors } from '@/lib/queries/actors';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Actors' };

export default async function ActorsPage() {
  const opened = await openPage({
    title: 'Actors',
    role: 'viewer',
    what: 'actors list',
    needsLog: true,
    load: (db) => listActors(db),
  });
  if ('shown' in opened) return opened.shown;
  const actors = opened.data;
  const users = new Set(actors.map((a) => a.user));
  return (
    <div className="space-y-6">
      <PageHeader
        title="Actors"
        description={`${users.size} people and ${actors.length} actor strings (a person, or a person with a run tag), most recently active first.`}
        meta={<AutoRefresh />}
      />
      <Card>
        <Table>
          <thead>
            <tr>
              <Th>Actor</Th>
              <Th>User</Th>
              <Th>Run tag</Th>
              <Th className="text-right">Events</Th>
              <Th className="text-right">Instances made</Th>
              <Th className="text-right">Replays</Th>
              <Th className="text-right">Refusals</Th>
              <Th className="text-right">Rolled back</Th>
              <Th>Last active</Th>
            </tr>
          </thead>
          <tbody>
            {actors.map((a) => (
              <tr key={a.actor} data-testid="actor-row">
                <Td>
                  <Link className="text-sky-700 underline" href={`/actors/${encodeURIComponent(a.actor)}`}>
                    {a.actor}
                  </Link>
                </Td>
                <Td>{a.user}</Td>
                <Td>{a.runTag ?? '—'}</Td>
                <Td className="text-right tabular-nums">
                  <Link className="text-sky-700 underline" href={`/events?actor=${encodeURIComponent(a.actor)}`}>
                    {formatCount(a.events)}
                  </Link>
                </Td>
                <Td className="text-right tabular-nums">{formatCount(a.instancesCreated)}</Td>
                <Td className="text-right tabular-nums">{formatCount(a.replays)}</Td>
                <Td className="text-right tabular-nums">{formatCount(a.refusals)}</Td>
                <Td className="text-right tabular-nums">{formatCount(a.rolledBack)}</Td>
                <Td className="whitespace-nowrap text-xs">{formatTimestamp(a.lastAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
    </div>
  );
}

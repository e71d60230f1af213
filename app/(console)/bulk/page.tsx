import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { listBulkJobs } from '@/lib/bulk/jobs';
import { listTemplateOptions } from '@/lib/queries/console';
import { bulkMax } from '@/lib/recipes/schemas';
import { rememberIdentity } from '@/lib/server/bulk-auth';
import { BulkConsole } from './BulkConsole';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Bulk scale-out' };

export default async function BulkPage() {
  const opened = await openPage({
    title: 'Bulk scale-out',
    role: 'operator',
    what: 'bulk page',
    load: (db) => Promise.all([listTemplateOptions(db), listBulkJobs(db, 15)]),
  });
  if ('shown' in opened) return opened.shown;
  const { me } = opened;
  const [templates, jobs] = opened.data;
  rememberIdentity(await headers(), me);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Bulk scale-out"
        description={`The runbook's bulk recipe: N events from one template in one transaction, as ${me.username}. A preflight predicts the outcome of every item and writes nothing; the run itself continues on the server if you leave or reload the page.`}
      />
      <BulkConsole templates={templates} max={bulkMax()} username={me.username} />
      <Card title="Recent bulk jobs" description="Preflights and runs, newest first.">
        {jobs.length ? (
          <Table>
            <thead>
              <tr>
                <Th>Started</Th>
                <Th>Job</Th>
                <Th>Mode</Th>
                <Th>Batch tag</Th>
                <Th className="text-right">N</Th>
                <Th>Status</Th>
                <Th>By</Th>
              </tr>
            </thead>
            <tbody data-testid="recent-jobs">
              {jobs.map((j) => (
                <tr key={j.id} data-testid="recent-job" data-job-id={j.id}>
                  <Td className="whitespace-nowrap text-xs">{formatTimestamp(j.startedAt)}</Td>
                  <Td className="font-mono text-xs">
                    <Link href={`/bulk/${j.id}`} className="text-sky-700 hover:underline">
                      {j.id.slice(0, 8)}
                    </Link>
                  </Td>
                  <Td>{j.mode === 'preview' ? `preflight (${j.params.emitMode})` : j.mode}</Td>
                  <Td className="font-mono text-xs">{j.params.batchTag}</Td>
                  <Td className="text-right tabular-nums">{j.total.toLocaleString('en')}</Td>
                  <Td>
                    <Badge
                      tone={
                        j.status === 'succeeded'
                          ? 'success'
                          : j.status === 'running'
                            ? 'info'
                            : j.status === 'cancelled' || j.status === 'interrupted'
                              ? 'warning'
                              : 'danger'
                      }
                    >
                      {j.status}
                      {j.status === 'running' ? ` ${Math.floor((j.done / Math.max(j.total, 1)) * 100)}%` : ''}
                    </Badge>
                  </Td>
                  <Td className="font-mono text-xs">{j.actor}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : (
          <p className="text-sm text-slate-500">No bulk job yet.</p>
        )}
      </Card>
    </div>
  );
}

import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { hasRole } from '@/lib/auth/roles';
import { getBulkJob } from '@/lib/bulk/jobs';
import { rememberIdentity } from '@/lib/server/bulk-auth';
import { getDb } from '@/lib/server/db';
import { JobApproval } from '@/components/approvals/job-approval';
import { requestForPlan } from '@/lib/approvals/requests';
import { BulkJobPanel } from '../BulkJobPanel';

export const dynamic = 'force-dynamic';
export async function generateMetadata({ params }: { params: Promise<{ jobId: string }> }): Promise<Metadata> {
  return { title: `Bulk job ${(await params).jobId.slice(0, 8)}` };
}

export default async function BulkJobPage({ params }: { params: Promise<{ jobId: string }> }) {
  const { jobId } = await params;
  const opened = await openPage({
    title: 'Bulk scale-out job',
    role: 'operator',
    what: 'bulk job',
    load: (db) => getBulkJob(db, jobId),
  });
  if ('shown' in opened) return opened.shown;
  const { me, data: job } = opened;
  rememberIdentity(await headers(), me);
  if (!job) notFound();
  // a running job holds the embedded database: its approval is read once it has ended
  const ended = job.status !== 'queued' && job.status !== 'running';
  const approval =
    ended && job.planId && job.mode !== 'preview' ? await requestForPlan((await getDb()).orm, job.planId) : null;
  return (
    <div className="space-y-6">
      <PageHeader
        title={job.mode === 'preview' ? 'Bulk preflight' : 'Bulk scale-out job'}
        description={
          <>
            Batch <span className="font-mono">{job.params.batchTag}</span> of{' '}
            {job.params.templateKey ?? job.params.templateCollectionId}.{' '}
            <Link href="/bulk" className="text-sky-700 hover:underline">
              Back to bulk scale-out
            </Link>
          </>
        }
      />
      <JobApproval request={approval} />
      <BulkJobPanel
        id={job.id}
        initial={job}
        canCancel={job.username === me.username || hasRole(me.role, 'lead')}
        canRerun={job.username === me.username}
        canRollback={job.username === me.username || hasRole(me.role, 'lead')}
      />
    </div>
  );
}

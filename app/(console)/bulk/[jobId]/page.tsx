import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { hasRole } from '@/lib/auth/roles';
import { getBulkJob } from '@/lib/bulk/jobs';
import { requireRole } from '@/lib/server/auth';
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
  const { me, allowed } = await requireRole('operator');
  if (!allowed) return <NotAllowed need="operator" />;
  rememberIdentity(await headers(), me);
  const { jobId } = await params;
  const job = await getBulkJob(await getDb(), jobId);
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
      />
    </div>
  );
}

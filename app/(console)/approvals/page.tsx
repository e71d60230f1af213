import type { Metadata } from 'next';
import Link from 'next/link';
import { RequestsTable } from '@/components/approvals/requests-table';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { Card } from '@/components/ui/card';
import { listApprovalRequests } from '@/lib/approvals/requests';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Approvals' };

export default async function ApprovalsPage() {
  const opened = await openPage({
    title: 'Approvals',
    role: 'operator',
    what: 'approval requests',
    load: async (db) => {
      const [open, recent] = await Promise.all([
        listApprovalRequests(db.orm, { status: 'open' }),
        listApprovalRequests(db.orm, { limit: 30 }),
      ]);
      return { open, closed: recent.filter((r) => r.status !== 'pending' && r.status !== 'approved') };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { me, data } = opened;
  const forMe = data.open.filter((r) => r.status === 'pending' && r.requester !== me.username);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Approvals"
        description="Applies the approval policy covers wait here for a second person. An approval binds the exact plan: it runs unchanged, before it expires, once."
        meta={
          <Link className="text-sm underline" href="/approvals/policy">
            Approval policy
          </Link>
        }
      />
      <Card title="Open requests" description={`${forMe.length} pending from other people; nobody decides their own.`}>
        {data.open.length ? (
          <RequestsTable requests={data.open} testId="open-requests" />
        ) : (
          <p className="text-sm text-slate-500" data-testid="no-open-requests">
            No open requests.
          </p>
        )}
      </Card>
      <Card title="Recently closed" description="Rejected, applied, or void because the plan's effect changed.">
        {data.closed.length ? (
          <RequestsTable requests={data.closed} testId="closed-requests" />
        ) : (
          <p className="text-sm text-slate-500">None yet.</p>
        )}
      </Card>
    </div>
  );
}

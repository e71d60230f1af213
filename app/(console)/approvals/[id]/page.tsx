import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { STATUS_TONES } from '@/components/approvals/requests-table';
import { RequestView } from '@/components/approvals/request-view';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge } from '@/components/ui/badge';
import { getApprovalDetail } from '@/lib/approvals/detail';
import { recipeWords } from '@/lib/approvals/policy';
import { parseRequestId } from '@/lib/approvals/requests';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Approval request' };

export default async function ApprovalRequestPage({ params }: { params: Promise<{ id: string }> }) {
  const id = parseRequestId((await params).id);
  if (!id) notFound();
  const opened = await openPage({
    title: 'Approval request',
    role: 'operator',
    what: 'approval request',
    load: (db, me) => getApprovalDetail(db, id, me),
  });
  if ('shown' in opened) return opened.shown;
  const detail = opened.data;
  if (!detail) notFound();
  const r = detail.request;
  return (
    <div className="space-y-6">
      <PageHeader
        title={`Approval request #${r.id}`}
        description={`${recipeWords(r.recipe)} (${r.mode}) by ${r.requester}`}
        meta={
          <span data-testid="request-status">
            <Badge tone={STATUS_TONES[r.status] ?? 'neutral'}>{r.status}</Badge>
          </span>
        }
      />
      <RequestView detail={detail} />
    </div>
  );
}

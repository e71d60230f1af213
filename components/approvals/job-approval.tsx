import Link from 'next/link';
import type { ApprovalRequestView } from '@/lib/approvals/requests';

/** On a bulk job's page: who asked for the run and who approved it (or that a lead broke glass). */
export function JobApproval({ request }: { request: ApprovalRequestView | null }) {
  if (!request || request.status !== 'applied') return null;
  return (
    <p data-testid="job-approval" className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900">
      {request.breakGlass ? (
        <>
          <strong>Break-glass:</strong> {request.appliedBy} applied it without approval.
        </>
      ) : (
        <>
          Requested by <strong>{request.requester}</strong>, approved by <strong>{request.approvers.join(', ')}</strong>
        </>
      )}{' '}
      (
      <Link className="underline" href={`/approvals/${request.id}`}>
        request #{request.id}
      </Link>
      ).
    </p>
  );
}

import Link from 'next/link';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { recipeWords } from '@/lib/approvals/policy';
import type { ApprovalRequestView } from '@/lib/approvals/requests';

export const STATUS_TONES: Record<string, BadgeTone> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'danger',
  applied: 'info',
  stale: 'neutral',
};

/** Approval requests as rows: number, what, who asked and why, what it needs, where it stands. */
export function RequestsTable({ requests, testId }: { requests: ApprovalRequestView[]; testId: string }) {
  return (
    <Table>
      <thead>
        <tr>
          <Th>Request</Th>
          <Th>What</Th>
          <Th>Requested by</Th>
          <Th>Reason</Th>
          <Th>Needs</Th>
          <Th>Status</Th>
          <Th>When</Th>
        </tr>
      </thead>
      <tbody data-testid={testId}>
        {requests.map((r) => (
          <tr key={r.id} data-testid="request-row" data-request={r.id}>
            <Td>
              <Link className="font-semibold underline" href={`/approvals/${r.id}`}>
                #{r.id}
              </Link>
            </Td>
            <Td>
              {recipeWords(r.recipe)} ({r.mode}), plan #{r.planId}
            </Td>
            <Td>{r.requester}</Td>
            <Td className="max-w-xs truncate">{r.reason}</Td>
            <Td>
              {r.approvers.length} of {r.approversNeeded} {r.minRole === 'lead' ? 'lead' : 'operator or lead'}
            </Td>
            <Td>
              <Badge tone={STATUS_TONES[r.status] ?? 'neutral'}>{r.status}</Badge>
            </Td>
            <Td>{formatTimestamp(r.createdAt)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

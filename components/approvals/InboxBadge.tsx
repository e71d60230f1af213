'use client';

import { useApprovalCountQuery } from './use-approval-count-query';

/** The number of pending approval requests you could decide, beside the Approvals entry. */
export function InboxBadge() {
  const { data } = useApprovalCountQuery();
  if (!data) return null;
  return (
    <span
      data-testid="approvals-badge"
      aria-label={`${data} pending approval request${data === 1 ? '' : 's'} for you`}
      className="ml-2 inline-flex min-w-5 items-center justify-center rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-white"
    >
      {data}
    </span>
  );
}

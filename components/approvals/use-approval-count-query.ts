'use client';

import { useQuery } from '@tanstack/react-query';
import { approvalKeys } from './keys';

/** How many pending requests you could decide; polled for the navigation's badge. */
export async function getApprovalCount(): Promise<number> {
  const res = await fetch('/api/approvals/count', { cache: 'no-store' });
  if (!res.ok) return 0;
  return ((await res.json()) as { count: number }).count;
}

export function useApprovalCountQuery() {
  return useQuery({ queryKey: approvalKeys.count(), queryFn: getApprovalCount, refetchInterval: 15_000 });
}

'use client';

import { useQuery } from '@tanstack/react-query';
import type { ApprovalNeed } from '@/lib/auth/action-types';
import { approvalKeys } from './keys';

/** What the apply of your plan `planId` needs under the approval policy (null: nothing). */
export async function getApprovalNeed(planId: number): Promise<ApprovalNeed | null> {
  const res = await fetch(`/api/approvals/plans/${planId}`, { cache: 'no-store' });
  if (!res.ok) return null;
  return ((await res.json()) as { approval: ApprovalNeed | null }).approval;
}

export function useApprovalNeedQuery(planId: number | null) {
  return useQuery({
    queryKey: approvalKeys.need(planId),
    queryFn: () => getApprovalNeed(planId!),
    enabled: planId !== null,
    staleTime: 5_000,
  });
}

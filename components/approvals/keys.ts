// The approval queries' keys, in one place: a mutation invalidates by these.
export const approvalKeys = {
  all: ['approvals'] as const,
  count: () => [...approvalKeys.all, 'count'] as const,
  need: (planId: number | null) => [...approvalKeys.all, 'need', planId] as const,
  detail: (id: number) => [...approvalKeys.all, 'detail', id] as const,
};

'use client';

import { useQuery } from '@tanstack/react-query';

interface GatesResponse {
  leaked: string[];
}

async function fetchLeakedGates(): Promise<string[]> {
  const res = await fetch('/api/gates', { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /api/gates answered ${res.status}`);
  return ((await res.json()) as GatesResponse).leaked;
}

/** Keys of gates open in committed data, polled so a leak shows up without a reload. */
export function useLeakedGatesQuery(initial: string[] | null) {
  return useQuery({
    queryKey: ['gates', 'leaked'],
    queryFn: fetchLeakedGates,
    initialData: initial ?? undefined,
    refetchInterval: 15_000,
  });
}

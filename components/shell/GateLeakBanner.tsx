'use client';

import { describeStatus } from '@/lib/recipes/messages';
import { useLeakedGatesQuery } from './use-leaked-gates-query';

/** The red gate-leak banner shown at the top of every console page while any gate is open. */
export function GateLeakBanner({ initialLeaked }: { initialLeaked: string[] | null }) {
  const { data: leaked } = useLeakedGatesQuery(initialLeaked);
  if (!leaked?.length) return null;
  return (
    <div role="alert" data-testid="gate-leak-banner" className="border-b border-red-700 bg-red-600 px-6 py-3 text-sm text-white">
      <p className="font-semibold">
        Gate leak: {leaked.join(', ')} {leaked.length === 1 ? 'is' : 'are'} open in committed data.
      </p>
      <p className="mt-0.5 text-red-50">{describeStatus('gate_leak')}</p>
    </div>
  );
}

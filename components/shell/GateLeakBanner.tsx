'use client';

import Link from 'next/link';
import { CloseAllGatesButton } from '@/components/gates/CloseAllGatesButton';
import type { RunRecipe } from '@/lib/recipes/define';
import { describeStatus } from '@/lib/recipes/messages';
import { useLeakedGatesQuery } from './use-leaked-gates-query';

/**
 * The red gate-leak banner shown at the top of every console page while any gate is open;
 * leads, whose layout passes the recipe action, can close the gates from it.
 */
export function GateLeakBanner({
  initialLeaked,
  runRecipe,
}: {
  initialLeaked: string[] | null;
  runRecipe?: RunRecipe;
}) {
  const { data: leaked } = useLeakedGatesQuery(initialLeaked);
  if (!leaked?.length) return null;
  return (
    <div
      role="alert"
      data-testid="gate-leak-banner"
      className="border-b border-red-700 bg-red-600 px-6 py-3 text-sm text-white"
    >
      <p className="font-semibold">
        Gate leak: {leaked.join(', ')} {leaked.length === 1 ? 'is' : 'are'} open in committed data.
      </p>
      <p className="mt-0.5 text-red-50">{describeStatus('gate_leak')}</p>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        {runRecipe ? (
          <CloseAllGatesButton leaked={leaked} runRecipe={runRecipe} tone="onDanger" />
        ) : (
          <span className="text-red-50">Only a lead can close them.</span>
        )}
        <Link href="/gates" className="font-medium underline">
          See the gates
        </Link>
      </div>
    </div>
  );
}

'use client';

import { useQuery } from '@tanstack/react-query';
import { GatePanel } from '@/components/overview/GatePanel';
import { Alert } from '@/components/ui/alert';
import type { Gate } from '@/lib/recipes';
import type { RunRecipe } from '@/lib/recipes/define';
import { CloseAllGatesButton } from './CloseAllGatesButton';

async function fetchGates(): Promise<Gate[]> {
  const res = await fetch('/api/gates', { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /api/gates answered ${res.status}`);
  return ((await res.json()) as { gates: Gate[] }).gates;
}

/**
 * The four gates, kept current (the banner's close invalidates the same ['gates'] queries); a
 * lead's page passes the recipe action, which offers the close.
 */
export function GatesView({ initial, runRecipe }: { initial: Gate[]; runRecipe?: RunRecipe }) {
  const { data: gates = initial } = useQuery({
    queryKey: ['gates', 'all'],
    queryFn: fetchGates,
    initialData: initial,
    refetchInterval: 15_000,
  });
  const leaked = gates.filter((g) => g.open).map((g) => g.key);
  return (
    <div className="space-y-6">
      {leaked.length > 0 ? (
        <Alert
          tone="danger"
          title={`Gate leak: ${leaked.length} gate${leaked.length === 1 ? ' is' : 's are'} open in committed data`}
          testId="gates-leak"
        >
          <p>
            Recipes are stopped until every gate is closed. A gate open between transactions is an incident: find out
            who left it open (the audit trail, psql sessions) after closing it.
          </p>
          {runRecipe ? (
            <div className="pt-2">
              <CloseAllGatesButton leaked={leaked} runRecipe={runRecipe} />
            </div>
          ) : (
            <p>Only a lead can close them; ask one.</p>
          )}
        </Alert>
      ) : (
        <Alert tone="info" title="All gates are closed" testId="gates-all-closed">
          <p>That is how committed data should always look between operator sessions.</p>
        </Alert>
      )}
      <GatePanel gates={gates} />
    </div>
  );
}

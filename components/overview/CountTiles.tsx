import type { OverviewCounts } from '@/lib/queries/overview';
import { formatCount } from '@/components/ui/format';

interface Tile {
  id: string;
  label: string;
  value: number | null;
  hint: string;
}

/** The headline counts: templates, live and dry-run instances, auto-instantiate events. */
export function CountTiles({ counts, autoInstantiateOn }: { counts: OverviewCounts; autoInstantiateOn: boolean }) {
  const tiles: Tile[] = [
    { id: 'templates', label: 'Templates', value: counts.templates, hint: 'Collections marked as templates' },
    { id: 'live-instances', label: 'Live instances', value: counts.liveInstances, hint: 'Made in live mode' },
    {
      id: 'dry-run-instances',
      label: 'Dry-run instances',
      value: counts.dryRunInstances,
      hint: 'Kept from committed dry runs',
    },
    {
      id: 'events',
      label: 'Events',
      value: counts.events,
      hint: autoInstantiateOn ? 'Rows of the auto-instantiate log' : 'Off while migration 033 is not applied',
    },
  ];
  return (
    <dl className="grid grid-cols-2 gap-4 lg:grid-cols-4">
      {tiles.map((t) => (
        <div
          key={t.id}
          data-testid={`count-${t.id}`}
          className="rounded-lg border border-slate-200 bg-white px-5 py-4 shadow-sm"
        >
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{t.label}</dt>
          <dd className="mt-1 text-2xl font-semibold tabular-nums text-slate-900" data-value={t.value ?? ''}>
            {formatCount(t.value)}
          </dd>
          <dd className="mt-0.5 text-xs text-slate-500">{t.hint}</dd>
        </div>
      ))}
    </dl>
  );
}

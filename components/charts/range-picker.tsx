// The charts' time range as plain links and a GET form: the choice is the URL, so a link
// shares it, and the picker needs no JavaScript.
import Link from 'next/link';
import { cn } from '@/components/ui/cn';
import { PRESET_LABELS, PRESETS, rangeParams, type RangeSpec } from '@/lib/charts/time-range';

const input = 'mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900';

export function RangePicker({
  path,
  spec,
  problem,
  today,
}: {
  /** The page the picker reloads: "/" or "/summary". */
  path: string;
  spec: RangeSpec;
  problem: string | null;
  /** Today (UTC), the custom range's upper default. */
  today: string;
}) {
  const hrefOf = (s: RangeSpec) => {
    const q = rangeParams(s).toString();
    return q ? `${path}?${q}` : path;
  };
  return (
    <div className="space-y-2" data-testid="range-picker">
      <div className="flex flex-wrap items-end gap-x-4 gap-y-2">
        <nav aria-label="Time range">
          <ul className="flex overflow-hidden rounded-md border border-slate-300 text-sm">
            {PRESETS.map((p) => {
              const current = spec.key === p;
              return (
                <li key={p} className="border-l border-slate-300 first:border-l-0">
                  <Link
                    href={hrefOf({ key: p })}
                    aria-current={current ? 'page' : undefined}
                    data-testid={`range-${p}`}
                    className={cn(
                      'block px-3 py-1.5 font-medium',
                      current ? 'bg-slate-900 text-white' : 'bg-white text-slate-700 hover:bg-slate-100',
                    )}
                  >
                    {PRESET_LABELS[p]}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <form method="get" action={path} className="flex flex-wrap items-end gap-2" data-testid="range-custom">
          <label className="text-xs font-medium text-slate-700">
            From (UTC day)
            <input
              type="date"
              name="from"
              required
              defaultValue={spec.from ?? ''}
              max={today}
              className={input}
              aria-label="From day"
            />
          </label>
          <label className="text-xs font-medium text-slate-700">
            To (UTC day, included)
            <input
              type="date"
              name="to"
              required
              defaultValue={spec.to ?? today}
              className={input}
              aria-label="To day"
            />
          </label>
          <button
            type="submit"
            className={cn(
              'rounded-md border px-3 py-1.5 text-sm font-medium',
              spec.key === 'custom'
                ? 'border-slate-900 bg-slate-900 text-white'
                : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-100',
            )}
          >
            Show range
          </button>
        </form>
      </div>
      {problem && (
        <p role="status" className="text-sm text-amber-900" data-testid="range-problem">
          {problem}
        </p>
      )}
    </div>
  );
}

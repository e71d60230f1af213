// Stacked bars drawn on the server as plain HTML: no chart library reaches the browser, so
// the overview and the summary ship no chart JavaScript at all (recharts was most of the
// script on both pages; README "Speed" has the bytes before and after). Each segment names
// its bucket or type, status and count on hover; the legend and axis are text. A segment
// may be a plain link to the event log rows it counts: HTML links focus and open from the
// keyboard with nothing added, which SVG shapes would need scripting for.
import { formatCount } from '@/components/ui/format';

const COLORS: Record<string, string> = {
  ok: '#059669',
  idempotent_replay: '#0284c7',
  composer_gate_closed: '#d97706',
  live_gate_closed: '#f59e0b',
};
const FALLBACK = ['#dc2626', '#7c3aed', '#db2777', '#475569', '#65a30d', '#0891b2'];
const MAX_LABELS = 12;

/** The smallest 1, 2 or 5 × 10^k at or above `n`, so the axis reads in round numbers. */
export function niceCeiling(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export interface ChartColumn {
  key: string;
  /** The axis label (may be short: "11-20", "08:05"). */
  label: string;
  /** The full name a person hears or sees on hover: "2026-11-20", "2026-11-29 08:05–08:10 UTC". */
  name: string;
}

/**
 * Stacked bars of counts per column (a time bucket, an event type…) and status. Give
 * `columns` to keep empty ones (a time axis) and their order; otherwise the rows' x values
 * are the columns. With `href`, each segment is a link (so Tab reaches it and Enter opens it).
 */
export function StatusBarChart({
  rows,
  columns: given,
  href,
  timeAxis = false,
  height = 260,
  testId,
  empty = 'No events in this period.',
}: {
  rows: { x: string; status: string; count: number }[];
  columns?: ChartColumn[];
  href?: (x: string, status: string) => string;
  /** Label every few columns (a time axis) rather than wrapping every label (categories). */
  timeAxis?: boolean;
  height?: number;
  testId?: string;
  empty?: string;
}) {
  const statuses = [...new Set(rows.map((r) => r.status))].sort((a, b) =>
    a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b),
  );
  const byX = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const d = byX.get(r.x) ?? new Map<string, number>();
    d.set(r.status, (d.get(r.status) ?? 0) + r.count);
    byX.set(r.x, d);
  }
  if (!rows.some((r) => r.count > 0)) return <p className="text-sm text-slate-600">{empty}</p>;
  let k = 0;
  const color = new Map(statuses.map((s) => [s, COLORS[s] ?? FALLBACK[k++ % FALLBACK.length]]));
  const columns = (given ?? [...byX.keys()].map((x) => ({ key: x, label: x, name: x }))).map((c) => {
    const counts = byX.get(c.key) ?? new Map<string, number>();
    return { ...c, counts, total: [...counts.values()].reduce((a, b) => a + b, 0) };
  });
  // four whole-number steps, so every tick sits where its number says (a top of 1 once read 1, 1, 1, 0)
  const tick = Math.max(1, niceCeiling(Math.max(...columns.map((c) => c.total)) / 4));
  const top = tick * 4;
  const ticks = [4, 3, 2, 1, 0].map((f) => tick * f);
  // a time axis labels every few columns so its labels never run into each other
  const chars = Math.max(...columns.map((c) => c.label.length));
  const step = timeAxis
    ? Math.ceil(columns.length / Math.min(MAX_LABELS, Math.max(4, Math.floor(36 / chars))))
    : Math.ceil(columns.length / MAX_LABELS);
  const plot = height - 48;
  return (
    <figure
      data-testid={testId}
      className="m-0 text-[11px] text-slate-600"
      aria-label={`Events by status for ${columns.length} values, up to ${formatCount(top)}`}
    >
      <div className="flex" style={{ height: plot }}>
        <div className="flex w-14 flex-col justify-between pr-2 text-right tabular-nums" aria-hidden>
          {ticks.map((t, i) => (
            <span key={i} className="leading-none">
              {formatCount(t)}
            </span>
          ))}
        </div>
        <div className="relative flex flex-1 items-end gap-px border-b border-l border-slate-300" data-chart-plot>
          {ticks.slice(0, -1).map((t, i) => (
            <div
              key={i}
              className="pointer-events-none absolute inset-x-0 border-t border-dashed border-slate-200"
              style={{ top: `${(1 - t / top) * 100}%` }}
            />
          ))}
          {columns.map((c) => (
            <div
              key={c.key}
              className="relative flex h-full min-w-0 flex-1 flex-col-reverse"
              data-testid="chart-column"
              data-x={c.key}
              data-total={c.total}
            >
              {statuses.map((s) => {
                const n = c.counts.get(s);
                if (!n) return null;
                const style = { height: `${((n / top) * 100).toFixed(2)}%`, background: color.get(s) };
                const label = `${c.name} · ${s}: ${formatCount(n)} event${n === 1 ? '' : 's'}`;
                return href ? (
                  <a
                    key={s}
                    href={href(c.key, s)}
                    title={`${label}. Open them in the event log.`}
                    aria-label={`${label}. Open them in the event log.`}
                    data-testid="chart-bar"
                    data-status={s}
                    className="block min-h-[3px] outline-offset-1 hover:opacity-80 focus-visible:relative focus-visible:z-10 focus-visible:outline focus-visible:outline-2 focus-visible:outline-slate-900"
                    style={style}
                  />
                ) : (
                  <div key={s} title={label} style={style} />
                );
              })}
            </div>
          ))}
        </div>
      </div>
      <div className="ml-14 flex gap-px pt-1" aria-hidden>
        {columns.map((c, i) => (
          <span
            key={c.key}
            className={`min-w-0 flex-1 text-center ${step === 1 ? 'break-words' : 'overflow-visible whitespace-nowrap'}`}
          >
            {i % step === 0 ? c.label : ''}
          </span>
        ))}
      </div>
      <figcaption className="mt-2 flex flex-wrap justify-center gap-x-3 gap-y-1">
        {statuses.map((s) => (
          <span key={s} className="inline-flex items-center gap-1">
            <span className="inline-block h-2.5 w-2.5" style={{ background: color.get(s) }} aria-hidden />
            {s}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

'use client';

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const COLORS: Record<string, string> = {
  ok: '#059669',
  idempotent_replay: '#0284c7',
  composer_gate_closed: '#d97706',
  live_gate_closed: '#f59e0b',
};
const FALLBACK = ['#dc2626', '#7c3aed', '#db2777', '#475569', '#65a30d', '#0891b2'];

/** Stacked bars of counts per x value (a day, an event type…) and status. */
export function StatusBarChart({ rows, height = 260, testId }: { rows: { x: string; status: string; count: number }[]; height?: number; testId?: string }) {
  const statuses = [...new Set(rows.map((r) => r.status))].sort((a, b) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b)));
  const byX = new Map<string, Record<string, number | string>>();
  for (const r of rows) {
    const d = byX.get(r.x) ?? { x: r.x };
    d[r.status] = ((d[r.status] as number) ?? 0) + r.count;
    byX.set(r.x, d);
  }
  const data = [...byX.values()];
  if (!data.length) return <p className="text-sm text-slate-500">No events in this period.</p>;
  let k = 0;
  return (
    <div style={{ width: '100%', height }} data-testid={testId}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="x" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} allowDecimals={false} width={56} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {statuses.map((s) => (
            <Bar key={s} dataKey={s} stackId="a" fill={COLORS[s] ?? FALLBACK[k++ % FALLBACK.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

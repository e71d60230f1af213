import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { StatusBarChart } from '@/components/charts/StatusBarChart';
import { AutoRefresh } from '@/components/dashboards/AutoRefresh';
import { statusTone } from '@/components/events/status';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { getDaily, getSummary } from '@/lib/queries/summary';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Summary' };

export default async function SummaryPage() {
  const opened = await openPage({
    title: 'Summary',
    role: 'viewer',
    what: 'summary',
    needsLog: true,
    load: async (db) => {
      const [summary, daily] = await Promise.all([getSummary(db), getDaily(db, 30)]);
      return { summary, daily };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { summary, daily } = opened.data;
  const total = summary.reduce((s, r) => s + r.eventCount, 0);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Summary"
        description={`${formatCount(total)} events by type, mode and status, from v_iu_auto_instantiate_event_summary (kept as a rollup, so it costs the same at any size).`}
        meta={<AutoRefresh />}
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="By event type and status">
          <StatusBarChart
            testId="chart-by-type"
            rows={summary.map((r) => ({ x: `${r.eventType} (${r.emitMode})`, status: r.status, count: r.eventCount }))}
          />
        </Card>
        <Card title="Last 30 days (UTC), by status">
          <StatusBarChart
            testId="chart-by-day"
            rows={daily.map((r) => ({ x: r.day.slice(5), status: r.status, count: r.count }))}
          />
        </Card>
      </div>
      <Card title="Summary table">
        <Table>
          <thead>
            <tr>
              <Th>Event type</Th>
              <Th>Mode</Th>
              <Th>Status</Th>
              <Th className="text-right">Events</Th>
              <Th className="text-right">Rolled back</Th>
              <Th>First</Th>
              <Th>Last</Th>
            </tr>
          </thead>
          <tbody>
            {summary.map((r) => (
              <tr key={`${r.eventType}|${r.emitMode}|${r.status}`} data-testid="summary-row">
                <Td>{r.eventType}</Td>
                <Td>{r.emitMode}</Td>
                <Td>
                  <Badge tone={statusTone(r.status)}>{r.status}</Badge>
                </Td>
                <Td className="text-right tabular-nums">
                  <Link
                    className="text-sky-700 underline"
                    href={`/events?type=${encodeURIComponent(r.eventType)}&mode=${r.emitMode}&status=${r.status}`}
                  >
                    {formatCount(r.eventCount)}
                  </Link>
                </Td>
                <Td className="text-right tabular-nums">{formatCount(r.rolledBackCount)}</Td>
                <Td className="whitespace-nowrap text-xs">{formatTimestamp(r.firstAt)}</Td>
                <Td className="whitespace-nowrap text-xs">{formatTimestamp(r.lastAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
    </div>
  );
}

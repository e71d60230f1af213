import Link from 'next/link';
import { EventsOverTimeChart } from '@/components/charts/range-charts';
import { RangePicker } from '@/components/charts/range-picker';
import { statusTone } from '@/components/events/status';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import type { ParsedRange } from '@/lib/charts/time-range';
import type { Activity, EventCounts } from '@/lib/queries/activity';

/** Today's counts, events over the chosen time range by status and the most recent events. */
export function ActivityPanel({
  activity,
  overTime,
  range,
}: {
  activity: Activity;
  overTime: EventCounts;
  range: ParsedRange;
}) {
  const { counts } = activity;
  const tiles = [
    { id: 'families', label: 'Families', value: counts.families, href: '/templates' },
    {
      id: 'events-today',
      label: 'Events today (UTC)',
      value: counts.eventsToday,
      href: `/events?from=${new Date().toISOString().slice(0, 10)}`,
    },
    {
      id: 'refusals-today',
      label: 'Refusals today',
      value: counts.refusalsToday,
      href: `/events?from=${new Date().toISOString().slice(0, 10)}`,
    },
  ];
  return (
    <div className="space-y-6">
      <dl className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        {tiles.map((t) => (
          <div
            key={t.id}
            data-testid={`count-${t.id}`}
            className="rounded-lg border border-slate-200 bg-white px-5 py-4 shadow-sm"
          >
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{t.label}</dt>
            <dd className="mt-1 text-2xl font-semibold tabular-nums text-slate-900" data-value={t.value}>
              <Link href={t.href}>{formatCount(t.value)}</Link>
            </dd>
          </div>
        ))}
      </dl>
      <div className="grid items-start gap-6 lg:grid-cols-5">
        <Card
          title={`Events over ${overTime.range.label}, by status`}
          description="Each bar opens the event log filtered to its time and status."
          className="lg:col-span-3"
        >
          <div className="space-y-4">
            <RangePicker
              path="/"
              spec={range.spec}
              problem={range.problem}
              today={new Date().toISOString().slice(0, 10)}
            />
            <EventsOverTimeChart counts={overTime} testId="chart-events-over-time" />
          </div>
        </Card>
        <Card
          title="Recent activity"
          className="lg:col-span-2"
          actions={
            <Link className="text-xs text-sky-700 underline" href="/events">
              Event log
            </Link>
          }
        >
          <ul className="divide-y divide-slate-100 text-sm" data-testid="recent-activity">
            {activity.recent.map((e) => (
              <li key={e.id} className="py-2">
                <div className="flex flex-wrap items-center gap-2">
                  <Badge tone={statusTone(e.status)}>{e.status}</Badge>
                  <Link className="text-sky-700 underline" href={`/events?event=${e.id}`}>
                    {e.eventType}
                  </Link>
                  <span className="text-xs text-slate-500">by {e.triggeredBy}</span>
                </div>
                <p className="text-xs text-slate-500">
                  {formatTimestamp(e.createdAt)} · {e.templateCollectionKey ?? 'unknown template'}
                </p>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}

// The two charts a time range feeds: events per bucket by status (overview and summary) and
// events per type and mode by status (summary). Each bar links to the event log rows it
// counts: the bucket's (or the range's) time span, its status, and its type and mode.
import { StatusBarChart, type ChartColumn } from '@/components/charts/StatusBarChart';
import { eventsHref, type Bucket, type BucketUnit } from '@/lib/charts/time-range';
import type { EventCounts } from '@/lib/queries/activity';

const TIME = (d: Date) => d.toISOString().slice(11, 16);

/** What a person hears for a bucket: "2026-11-20", "2026-11-29 08:05–08:10 UTC", "2026-11 (month)". */
export function bucketName(b: Bucket, unit: BucketUnit): string {
  const day = b.start.toISOString().slice(0, 10);
  if (unit === '5min' || unit === 'hour') return `${day} ${TIME(b.start)}–${TIME(b.end)} UTC`;
  if (unit === 'day') return day;
  const last = new Date(b.end.getTime() - 86_400_000).toISOString().slice(0, 10);
  return `${day} to ${last}`;
}

export function EventsOverTimeChart({ counts, testId }: { counts: EventCounts; testId: string }) {
  const { range, buckets } = counts;
  const byKey = new Map(buckets.map((b) => [b.key, b]));
  const columns: ChartColumn[] = buckets.map((b) => ({ key: b.key, label: b.label, name: bucketName(b, range.unit) }));
  return (
    <StatusBarChart
      testId={testId}
      timeAxis
      columns={columns}
      rows={counts.rows.map((r) => ({ x: r.bucket, status: r.status, count: r.count }))}
      href={(key, status) => eventsHref(byKey.get(key)!, range.unit, { status })}
      empty={`No events in ${range.label}.`}
    />
  );
}

const TYPE_SEP = '\u0000';

export function EventsByTypeChart({ counts, testId }: { counts: EventCounts; testId: string }) {
  const { range } = counts;
  const whole = { start: range.from, end: range.to };
  return (
    <StatusBarChart
      testId={testId}
      rows={counts.rows.map((r) => ({ x: `${r.eventType}${TYPE_SEP}${r.emitMode}`, status: r.status, count: r.count }))}
      columns={[...new Set(counts.rows.map((r) => `${r.eventType}${TYPE_SEP}${r.emitMode}`))].sort().map((key) => {
        const [type, mode] = key.split(TYPE_SEP);
        return { key, label: `${type} (${mode})`, name: `${type} (${mode}), ${range.label}` };
      })}
      href={(key, status) => {
        const [type, mode] = key.split(TYPE_SEP);
        return eventsHref(whole, range.unit, { status, type, mode });
      }}
      empty={`No events in ${range.label}.`}
    />
  );
}

import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '@/components/dashboards/AutoRefresh';
import { EventDrawer } from '@/components/events/EventDrawer';
import { EventFilters } from '@/components/events/EventFilters';
import { statusTone } from '@/components/events/status';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { KeysetPager } from '@/components/ui/keyset-pager';
import { formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { Alert } from '@/components/ui/alert';
import {
  decodeCursor,
  eventFilterProblems,
  eventFiltersToParams,
  getEvent,
  getEventByEventId,
  getEventFilterOptions,
  listEventRowsOf,
  listEvents,
  parseEventFilters,
  UUID_RE,
  type EventRow,
} from '@/lib/queries/events';
import type { Database } from '@/db/client';
import { batchId, batchQuery, batchTitle, summarizeBatches } from '@/lib/queries/batches';

/** `?event=` names a log row by its number or an event by its UUID; anything else names nothing. */
function eventRef(v: string | undefined): { logId: number } | { eventId: string } | null {
  const s = v?.trim();
  if (!s) return null;
  if (/^\d{1,15}$/.test(s) && Number(s) > 0) return { logId: Number(s) };
  if (UUID_RE.test(s)) return { eventId: s.toLowerCase() };
  return null;
}

async function loadDrawer(db: Database, ref: ReturnType<typeof eventRef>): Promise<EventRow | null> {
  if (!ref) return null;
  return 'logId' in ref ? getEvent(db, ref.logId) : getEventByEventId(db, ref.eventId);
}

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Event log' };

type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function EventsPage({ searchParams }: { searchParams: SP }) {
  const sp = await searchParams;
  const filters = parseEventFilters(sp);
  const problems = eventFilterProblems(
    new URLSearchParams(Object.entries(sp).flatMap(([k, v]) => (v === undefined ? [] : [v].flat().map((x) => [k, x])))),
  );
  const after = decodeCursor(one(sp.after));
  const before = after ? null : decodeCursor(one(sp.before));
  const eventParam = one(sp.event)?.trim();
  // group=batches: each bulk run is one row (its newest row), opening on its actor's page
  const grouped = one(sp.group) === 'batches';
  const ref = eventRef(eventParam);
  const opened = await openPage({
    title: 'Event log',
    role: 'viewer',
    what: 'event log',
    needsLog: true,
    load: async (db) => {
      const [page, options, event] = await Promise.all([
        listEvents(db, filters, { after, before, groupBatches: grouped }),
        getEventFilterOptions(db),
        loadDrawer(db, ref),
      ]);
      const [siblings, batches] = await Promise.all([
        event ? listEventRowsOf(db, event.eventId) : [],
        grouped ? summarizeBatches(db, page.rows) : null,
      ]);
      return { page, options, event, siblings, batches };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { page, options, event, siblings, batches } = opened.data;
  const here = { after: one(sp.after), before: one(sp.before) };
  const href = (extra: Record<string, string | undefined>) => {
    const q = eventFiltersToParams(filters, { group: grouped ? 'batches' : undefined, ...extra }).toString();
    return q ? `/events?${q}` : '/events';
  };
  const exportHref = (format: 'csv' | 'json') =>
    `/api/events/export?${eventFiltersToParams(filters, { format }).toString()}`;

  return (
    <div className="space-y-6">
      <PageHeader
        title="Event log"
        description="Every auto-instantiate call from the gate checks on, newest first. Filters live in the URL: copy it to share this view."
        meta={<AutoRefresh />}
      />
      {problems.length > 0 && (
        <Alert
          tone="warning"
          title="Some filters in the address could not be used, so they are left out."
          testId="filter-problems"
        >
          {problems.join(' ')}
        </Alert>
      )}
      <Card>
        <EventFilters filters={filters} options={options} />
      </Card>
      <Card
        title="Events"
        description={`${page.rows.length} on this page, newest first${grouped ? ', each bulk run as one row' : ''}; pages follow (time, id), so they stay fast at any depth.`}
        actions={
          <div className="flex gap-2 text-sm">
            <Link
              data-testid="group-toggle"
              href={href({ group: grouped ? undefined : 'batches' })}
              className="rounded-md border border-slate-300 px-2.5 py-1 font-medium text-slate-700 hover:bg-slate-50"
            >
              {grouped ? 'Show every row' : 'Group bulk runs'}
            </Link>
            <a
              data-testid="export-csv"
              href={exportHref('csv')}
              className="rounded-md border border-slate-300 px-2.5 py-1 font-medium text-slate-700 hover:bg-slate-50"
            >
              Export CSV
            </a>
            <a
              data-testid="export-json"
              href={exportHref('json')}
              className="rounded-md border border-slate-300 px-2.5 py-1 font-medium text-slate-700 hover:bg-slate-50"
            >
              Export JSON
            </a>
          </div>
        }
      >
        {page.rows.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="events-empty">
            No event matches these filters.
          </p>
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>Time (UTC)</Th>
                <Th>Actor</Th>
                <Th>Type</Th>
                <Th>Mode</Th>
                <Th>Status</Th>
                <Th>Template</Th>
                <Th>Instance</Th>
                <Th>Event id</Th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((r) => {
                const b = batches?.get(
                  batchId({
                    actor: r.triggeredBy,
                    batchTag: r.uniqueSuffix.replace(/-[0-9]{3,12}$/, ''),
                    templateId: r.templateCollectionId,
                    emitMode: r.emitMode === 'live' ? 'live' : 'dry_run',
                  }),
                );
                if (b)
                  return (
                    <tr key={r.id} data-testid="event-batch-row" data-event-id={r.id}>
                      <Td className="whitespace-nowrap">{formatTimestamp(b.lastAt)}</Td>
                      <Td>{r.triggeredBy}</Td>
                      <Td>{r.eventType}</Td>
                      <Td>{r.emitMode}</Td>
                      <Td>
                        <Badge tone={b.rolledBack ? 'warning' : 'info'}>bulk run</Badge>
                      </Td>
                      <Td colSpan={3} className="text-xs">
                        <span className="font-medium">{batchTitle(b)}</span>
                        {b.rolledBackAt && <> at {formatTimestamp(b.rolledBackAt)}</>}.{' '}
                        <Link
                          className="text-sky-700 underline"
                          data-testid="event-batch-expand"
                          href={`/actors/${encodeURIComponent(b.actor)}?${batchQuery(b)}`}
                        >
                          Its {b.rows.toLocaleString('en')} rows, 50 at a time
                        </Link>
                      </Td>
                    </tr>
                  );
                return (
                  <tr
                    key={r.id}
                    data-testid="event-row"
                    data-event-id={r.id}
                    data-event-uuid={r.eventId}
                    className={r.id === event?.id ? 'bg-sky-50' : undefined}
                  >
                    <Td className="whitespace-nowrap">
                      <Link
                        className="text-sky-700 underline"
                        href={href({ ...here, event: String(r.id) })}
                        scroll={false}
                      >
                        {formatTimestamp(r.createdAt)}
                      </Link>
                    </Td>
                    <Td>{r.triggeredBy}</Td>
                    <Td>{r.eventType}</Td>
                    <Td>{r.emitMode}</Td>
                    <Td>
                      <Badge tone={statusTone(r.status)}>{r.status}</Badge>
                      {r.rolledBackAt && (
                        <Badge className="ml-1" tone="neutral">
                          rolled back
                        </Badge>
                      )}
                    </Td>
                    <Td className="text-xs">{r.templateCollectionKey ?? r.templateCollectionId}</Td>
                    <Td className="text-xs">
                      {r.instanceCollectionKey ?? (r.instanceCollectionId ? 'rolled back' : '—')}
                    </Td>
                    <Td className="whitespace-nowrap font-mono text-xs">
                      <Link
                        className="text-sky-700 underline"
                        href={href({ eventId: r.eventId })}
                        title={`Every log row of event ${r.eventId}`}
                      >
                        {r.eventId.slice(0, 8)}…
                      </Link>
                    </Td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
        <KeysetPager
          back={{ href: page.newer ? href({ before: page.newer }) : null, label: '← Newer', testId: 'page-newer' }}
          forward={{ href: page.older ? href({ after: page.older }) : null, label: 'Older →', testId: 'page-older' }}
        />
      </Card>
      {event && <EventDrawer event={event} siblings={siblings} closeHref={href(here)} />}
      {eventParam && !event && (
        <Alert tone="warning" title="No event to show" testId="event-missing">
          {ref && 'logId' in ref
            ? `No event-log row has the id ${ref.logId}.`
            : ref
              ? `No event-log row has the event id ${ref.eventId}.`
              : `"${eventParam.slice(0, 80)}" is neither a log id (a number) nor an event id (a UUID).`}
        </Alert>
      )}
    </div>
  );
}

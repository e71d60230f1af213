import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { formatTimestamp } from '@/components/ui/format';
import type { EventRow, EventSibling } from '@/lib/queries/events';
import { describeStatus } from '@/lib/recipes/messages';
import { statusTone } from './status';

/** The full record of one event-log row, with links to its template, instance and actor. */
export function EventDrawer({
  event,
  siblings = [],
  closeHref,
}: {
  event: EventRow;
  siblings?: EventSibling[];
  closeHref: string;
}) {
  const fields: [string, React.ReactNode][] = [
    ['Log id', event.id],
    [
      'Event id',
      <code key="e" className="text-xs" data-testid="drawer-event-id">
        {event.eventId}
      </code>,
    ],
    ['Event type', event.eventType],
    [
      'Status',
      <div key="s" className="space-y-1">
        <Badge tone={statusTone(event.status)}>{event.status}</Badge>
        {event.status !== 'ok' && (
          <p className="text-xs leading-relaxed text-slate-600" data-testid="drawer-status-sentence">
            {describeStatus(event.status)}
          </p>
        )}
      </div>,
    ],
    ['Emit mode', event.emitMode],
    [
      'Actor',
      <Link key="a" className="text-sky-700 underline" href={`/actors/${encodeURIComponent(event.triggeredBy)}`}>
        {event.triggeredBy}
      </Link>,
    ],
    ['Logged at', formatTimestamp(event.createdAt)],
    [
      'Template',
      event.templateFamily ? (
        <Link
          key="t"
          className="text-sky-700 underline"
          data-testid="drawer-template-link"
          href={`/templates/families/${encodeURIComponent(event.templateFamily)}?highlight=${encodeURIComponent(event.templateVersionLabel ?? '')}`}
        >
          {event.templateCollectionKey}
        </Link>
      ) : (
        (event.templateCollectionKey ?? (
          <span key="t" className="text-slate-500">
            {event.templateCollectionId} (not found)
          </span>
        ))
      ),
    ],
    [
      'Instance',
      event.instanceCollectionKey && event.instanceCollectionId ? (
        <Link
          key="i"
          className="text-sky-700 underline"
          data-testid="drawer-instance-link"
          href={`/instances/${event.instanceCollectionId}`}
        >
          {event.instanceCollectionKey}
        </Link>
      ) : event.instanceCollectionId ? (
        <span key="i" className="text-slate-500">
          {event.instanceCollectionId} (rolled back: the instance no longer exists)
        </span>
      ) : (
        <span key="i" className="text-slate-500">
          none
        </span>
      ),
    ],
    ['Unique suffix', event.uniqueSuffix],
    ['Note', event.note ?? '—'],
    [
      'Replay of',
      event.replayOfEventLogId ? (
        <Link key="r" className="text-sky-700 underline" href={`/events?event=${event.replayOfEventLogId}`}>
          log #{event.replayOfEventLogId}
        </Link>
      ) : (
        '—'
      ),
    ],
    ['Rolled back at', formatTimestamp(event.rolledBackAt)],
    ['Rolled back by', event.rolledBackBy ?? '—'],
  ];
  if (siblings.length > 1) {
    fields.push([
      'Log rows of this event',
      <ol key="rows" className="space-y-0.5" data-testid="drawer-siblings">
        {siblings.map((r) => (
          <li key={r.id}>
            {r.id === event.id ? (
              <span className="font-medium">
                #{r.id} {r.status} (shown)
              </span>
            ) : (
              <Link className="text-sky-700 underline" href={`/events?event=${r.id}`} scroll={false}>
                #{r.id} {r.status}
              </Link>
            )}{' '}
            <span className="text-xs text-slate-500">
              {r.emitMode} · {formatTimestamp(r.createdAt)}
            </span>
          </li>
        ))}
      </ol>,
    ]);
  }
  return (
    <aside
      role="dialog"
      aria-label={`Event ${event.id}`}
      data-testid="event-drawer"
      className="fixed inset-y-0 right-0 z-30 w-full max-w-md overflow-y-auto border-l border-slate-200 bg-white p-6 shadow-xl"
    >
      <div className="flex items-start justify-between gap-4">
        <h2 className="text-base font-semibold text-slate-900">Event #{event.id}</h2>
        <Link
          href={closeHref}
          className="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
          scroll={false}
        >
          Close
        </Link>
      </div>
      <dl className="mt-4 divide-y divide-slate-100 text-sm">
        {fields.map(([k, v]) => (
          <div key={k} className="grid grid-cols-3 gap-3 py-2">
            <dt className="text-slate-500">{k}</dt>
            <dd className="col-span-2 break-all text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}

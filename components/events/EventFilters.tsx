import type { EventFilters as Filters } from '@/lib/queries/events-sql';

const input = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900';

/** The event-log filters as a plain GET form: submitting puts them in the URL, so a link can be shared. */
export function EventFilters({
  filters,
  options,
}: {
  filters: Filters;
  options: { actors: string[]; statuses: string[]; types: string[] };
}) {
  const select = (name: keyof Filters, label: string, values: string[]) => (
    <label className="text-xs font-medium text-slate-600">
      {label}
      <select name={name} defaultValue={filters[name] ?? ''} className={input} aria-label={label}>
        <option value="">any</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form
      method="get"
      action="/events"
      className="grid grid-cols-2 gap-3 md:grid-cols-4 lg:grid-cols-9"
      data-testid="event-filters"
    >
      {select('actor', 'Actor', options.actors)}
      {select('status', 'Status', options.statuses)}
      {select('mode', 'Mode', ['live', 'dry_run'])}
      {select('type', 'Event type', options.types)}
      <label className="text-xs font-medium text-slate-600">
        Event id
        <input
          name="eventId"
          defaultValue={filters.eventId ?? ''}
          placeholder="uuid"
          className={input}
          aria-label="Event id"
        />
      </label>
      <label className="text-xs font-medium text-slate-600">
        Template id
        <input
          name="template"
          defaultValue={filters.template ?? ''}
          placeholder="uuid"
          className={input}
          aria-label="Template id"
        />
      </label>
      {/* a time (a chart bar's hour) stays a time: a day box would widen it to the whole day on submit */}
      {(['from', 'to'] as const).map((name) => {
        const v = filters[name] ?? '';
        const timed = v.length > 10;
        const label = name === 'from' ? 'From (UTC)' : timed ? 'To (UTC, not included)' : 'To (UTC, inclusive)';
        return (
          <label key={name} className="text-xs font-medium text-slate-600">
            {label}
            <input
              type={timed ? 'text' : 'date'}
              name={name}
              defaultValue={timed ? v : v.slice(0, 10)}
              className={input}
              aria-label={name === 'from' ? 'From' : 'To'}
            />
          </label>
        );
      })}
      {select('rolledBack', 'Rolled back', ['yes', 'no'])}
      <div className="col-span-2 flex items-end gap-2 md:col-span-4 lg:col-span-9">
        <button
          type="submit"
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700"
        >
          Apply filters
        </button>
        <a
          href="/events"
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
        >
          Clear
        </a>
      </div>
    </form>
  );
}

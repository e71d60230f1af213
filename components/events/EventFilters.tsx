import type { EventFilters as Filters } from '@/lib/queries/events-sql';

const input = 'block h-9 w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900';
// each control sits at the foot of its cell, so a label that wraps to two lines ("To (UTC,
// inclusive)") does not push its box out of line with its neighbours'
const field = 'flex flex-col justify-end gap-1 text-xs font-medium text-slate-600';

/**
 * The event-log filters as a plain GET form: submitting puts them in the URL, so a link can be
 * shared. The grid makes as many columns as fit at 9.5rem each (a day box shows the whole
 * mm/dd/yyyy and its calendar button): two on a phone, four at 1024 px beside the menu, all
 * nine in one row only on a wide screen. Fixed breakpoints could not know the menu's width.
 */
export function EventFilters({
  filters,
  options,
}: {
  filters: Filters;
  options: { actors: string[]; statuses: string[]; types: string[] };
}) {
  const select = (name: keyof Filters, label: string, values: string[]) => (
    <label className={field}>
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
      className="grid grid-cols-[repeat(auto-fill,minmax(9.5rem,1fr))] gap-3"
      data-testid="event-filters"
    >
      {select('actor', 'Actor', options.actors)}
      {select('status', 'Status', options.statuses)}
      {select('mode', 'Mode', ['live', 'dry_run'])}
      {select('type', 'Event type', options.types)}
      <label className={field}>
        Event id
        <input
          name="eventId"
          defaultValue={filters.eventId ?? ''}
          placeholder="uuid"
          className={input}
          aria-label="Event id"
        />
      </label>
      <label className={field}>
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
          <label key={name} className={field}>
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
      <div className="col-span-full flex items-end gap-2">
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

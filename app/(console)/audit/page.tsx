import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { Table, Td, Th } from '@/components/ui/table';
import { Alert } from '@/components/ui/alert';
import { formatTimestamp } from '@/components/ui/format';
import { listAudit, listAuditRecipes, readAuditQuery } from '@/lib/auth/audit';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Audit trail' };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const sp = await searchParams;
  const q = new URLSearchParams(Object.entries(sp).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const { filters, problems } = readAuditQuery(q);
  const PAGE = 100;
  const opened = await openPage({
    title: 'Audit trail',
    role: 'lead',
    what: 'audit trail',
    load: ({ orm }) => Promise.all([listAudit(orm, { ...filters, limit: PAGE }), listAuditRecipes(orm)]),
  });
  if ('shown' in opened) return opened.shown;
  const [rows, recipes] = opened.data;
  // the filters without the page position, for export links and the next page
  const kept = new URLSearchParams(q);
  kept.delete('before');
  const exportHref = (format: string) => `/api/audit?${new URLSearchParams([...kept, ['format', format]])}`;
  const older =
    rows.length === PAGE
      ? `/audit?${new URLSearchParams([...kept, ['before', String(rows[rows.length - 1].id)]])}`
      : null;
  const field = 'mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm';
  return (
    <div className="space-y-6">
      <PageHeader
        title="Audit trail"
        description="Every console and CLI attempt (previews, live runs, refusals and denials) and every sign-in, failed sign-in, sign-out and password change, newest first."
        meta={
          <span className="flex gap-2">
            <a
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm"
              href={exportHref('csv')}
              data-testid="audit-export-csv"
            >
              Export CSV
            </a>
            <a
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm"
              href={exportHref('json')}
              data-testid="audit-export-json"
            >
              Export JSON
            </a>
          </span>
        }
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
      {filters.id && (
        <p
          className="rounded-md border border-sky-200 bg-sky-50 px-4 py-2 text-sm text-sky-900"
          data-testid="audit-one-row"
        >
          Showing audit row #{filters.id} only.{' '}
          <a href="/audit" className="underline">
            Show the whole trail
          </a>
        </p>
      )}
      <form
        method="get"
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-3 lg:grid-cols-8"
        data-testid="audit-filters"
      >
        <label className="text-xs font-medium text-slate-600">
          User
          <input name="username" defaultValue={filters.username ?? ''} className={field} />
        </label>
        <label className="text-xs font-medium text-slate-600">
          Kind
          <select name="kind" defaultValue={filters.kind ?? ''} className={field} data-testid="audit-kind">
            <option value="">everything</option>
            <option value="security">
              security events: sign-in, sign-out, session end, password change, refused API token
            </option>
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Recipe
          <select name="recipe" defaultValue={filters.recipe ?? ''} className={field}>
            <option value="">any</option>
            {recipes.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Mode
          <select name="mode" defaultValue={filters.mode ?? ''} className={field}>
            <option value="">any</option>
            {['preview', 'dry_run', 'live', 'durable', 'admin'].map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Decision
          <select name="decision" defaultValue={filters.decision ?? ''} className={field}>
            <option value="">any</option>
            {['ok', 'refused', 'denied', 'invalid', 'error', 'unauthenticated'].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          From (UTC day)
          <input type="date" name="from" defaultValue={filters.from ?? ''} className={field} />
        </label>
        <label className="text-xs font-medium text-slate-600">
          To (UTC day)
          <input type="date" name="to" defaultValue={filters.to ?? ''} className={field} />
        </label>
        {filters.id && <input type="hidden" name="id" value={filters.id} />}
        <div className="flex items-end gap-2">
          <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white">
            Filter
          </button>
          <a href="/audit" className="rounded-md border border-slate-300 px-3 py-1.5 text-sm">
            Clear
          </a>
        </div>
      </form>
      <section className="rounded-lg border border-slate-200 bg-white shadow-sm">
        <Table>
          <thead>
            <tr>
              <Th>#</Th>
              <Th>Started</Th>
              <Th>Who (role)</Th>
              <Th>Recipe</Th>
              <Th>Mode</Th>
              <Th>Decision</Th>
              <Th>Status</Th>
              <Th>Actor</Th>
              <Th>Reason</Th>
              <Th>Summary</Th>
              <Th>IP</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.id}
                id={`audit-${r.id}`}
                className={filters.id === r.id ? 'bg-sky-50' : undefined}
                aria-current={filters.id === r.id ? 'true' : undefined}
                data-testid={`audit-${r.id}`}
                data-username={r.username}
                data-decision={r.decision}
                data-recipe={r.recipe}
              >
                <Td className="font-mono text-xs text-slate-500">{r.id}</Td>
                <Td className="whitespace-nowrap">{formatTimestamp(r.startedAt)}</Td>
                <Td>
                  {r.username} ({r.role ?? 'none'})
                  {r.via && <span className="block text-xs text-slate-500">via {r.via}</span>}
                </Td>
                <Td className="font-mono">{r.recipe}</Td>
                <Td>{r.mode}</Td>
                <Td>{r.decision}</Td>
                <Td className="font-mono">{r.status}</Td>
                <Td className="font-mono">{r.actor ?? '—'}</Td>
                <Td>{r.reason ?? '—'}</Td>
                <Td className="max-w-md">{r.summary}</Td>
                <Td className="font-mono">{r.ip ?? '—'}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {rows.length === 0 && <p className="px-5 py-4 text-sm text-slate-500">No audit rows match these filters.</p>}
      </section>
      {(filters.beforeId || older) && (
        <p className="flex gap-4 text-sm">
          {filters.beforeId && (
            <a className="text-sky-700 underline" href={`/audit?${kept}`}>
              Newest
            </a>
          )}
          {older && (
            <a className="text-sky-700 underline" href={older} data-testid="audit-older">
              Older
            </a>
          )}
        </p>
      )}
    </div>
  );
}

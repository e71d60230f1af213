import { NotAllowed } from '@/components/shell/NotAllowed';
import { requireRole } from '@/lib/server/auth';
import type { Metadata } from 'next';
import Link from 'next/link';
import { loadPage } from '@/components/dashboards/load';
import { DatabaseUnavailable } from '@/components/shell/DatabaseUnavailable';
import { PageHeader } from '@/components/shell/PageHeader';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';
import { listFamilies, listTemplates, TEMPLATE_SORTS, templateSortOf, type TemplateSort } from '@/lib/queries/templates';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Templates' };

const PAGE = 100;
type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function TemplatesPage({ searchParams }: { searchParams: SP }) {
  // the layout hides the page from people without a role; a page still checks for itself
  const { allowed } = await requireRole('viewer');
  if (!allowed) return <NotAllowed need="viewer" />;
  const sp = await searchParams;
  const sortParam = one(sp.sort);
  const sort: TemplateSort = templateSortOf(sortParam) ?? 'key';
  const sortProblem = sortParam !== undefined && !templateSortOf(sortParam);
  const dir = one(sp.dir) === 'desc' ? 'desc' : 'asc';
  const page = Math.max(0, Number(one(sp.page)) || 0);
  const loaded = await loadPage('templates table', async (db) => {
    const [t, families] = await Promise.all([listTemplates(db, { sort, dir, limit: PAGE, offset: page * PAGE }), listFamilies(db)]);
    return { t, families };
  });
  if (!loaded.ok) return <DatabaseUnavailable title={loaded.title} message={loaded.message} />;
  const { t, families } = loaded.data;
  const sortHref = (s: TemplateSort) => `/templates?sort=${s}&dir=${s === sort && dir === 'asc' ? 'desc' : 'asc'}`;
  const head = (s: TemplateSort, label: string, right = false) => (
    <Th className={right ? 'text-right' : undefined} aria-sort={s === sort ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <Link href={sortHref(s)} className="hover:text-slate-900" data-testid={`sort-${s}`}>
        {label}
        {s === sort ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </Link>
    </Th>
  );
  return (
    <div className="space-y-6">
      <PageHeader title="Templates" description="Every template from v_iu_template_observability, with instance counts kept by the substrate's counters." />
      {sortProblem && (
        <Alert tone="warning" title="That sort is not known, so the table is sorted by key." testId="sort-problem">
          Sort by one of: {Object.keys(TEMPLATE_SORTS).join(', ')} (click a column heading).
        </Alert>
      )}
      <Card title={`Families (${families.length})`} description="Open a family to see its version chain, the pieces of each version and a diff between any two.">
        <ul className="flex flex-wrap gap-2 text-sm">
          {families.slice(0, 60).map((f) => (
            <li key={f.family}>
              <Link className="inline-block rounded-md border border-slate-200 px-2 py-1 text-sky-700 hover:bg-slate-50" href={`/templates/families/${encodeURIComponent(f.family)}`} data-testid="family-link">
                {f.family} <span className="text-xs text-slate-500">· {f.versions} version{f.versions === 1 ? '' : 's'}</span>
              </Link>
            </li>
          ))}
          {families.length > 60 && <li className="self-center text-xs text-slate-500">and {families.length - 60} more: sort the table by family to find them.</li>}
        </ul>
      </Card>
      <Card title={`Templates (${formatCount(t.total)})`} description={`Page ${page + 1} of ${Math.max(1, Math.ceil(t.total / PAGE))}; click a column to sort.`}>
        <Table>
          <thead>
            <tr>
              {head('key', 'Collection key')}
              {head('family', 'Family')}
              {head('version', 'Version')}
              {head('pieces', 'Active pieces', true)}
              {head('live', 'Live', true)}
              {head('dryRun', 'Dry run', true)}
              {head('last', 'Last instantiated')}
            </tr>
          </thead>
          <tbody>
            {t.rows.map((r) => (
              <tr key={r.collectionId} data-testid="template-row">
                <Td className="text-xs">{r.collectionKey}</Td>
                <Td>{r.templateFamily ? <Link className="text-sky-700 underline" href={`/templates/families/${encodeURIComponent(r.templateFamily)}?highlight=${encodeURIComponent(r.versionLabel ?? '')}`}>{r.templateFamily}</Link> : '—'}</Td>
                <Td>{r.versionLabel ?? '—'}</Td>
                <Td className="text-right tabular-nums">{r.activePieceCount}</Td>
                <Td className="text-right tabular-nums">
                  <Link className="text-sky-700 underline" href={`/events?template=${r.collectionId}&mode=live`}>{formatCount(r.liveInstanceCount)}</Link>
                </Td>
                <Td className="text-right tabular-nums">
                  <Link className="text-sky-700 underline" href={`/events?template=${r.collectionId}&mode=dry_run`}>{formatCount(r.dryRunInstanceCount)}</Link>
                </Td>
                <Td className="whitespace-nowrap">{formatTimestamp(r.lastInstantiatedAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
        <nav className="mt-4 flex justify-between text-sm">
          {page > 0 ? <Link className="text-sky-700 underline" href={`/templates?sort=${sort}&dir=${dir}&page=${page - 1}`}>← Previous</Link> : <span />}
          {(page + 1) * PAGE < t.total ? <Link className="text-sky-700 underline" href={`/templates?sort=${sort}&dir=${dir}&page=${page + 1}`}>Next →</Link> : <span />}
        </nav>
      </Card>
    </div>
  );
}

import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { PageHeader } from '@/components/shell/PageHeader';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { KeysetPager } from '@/components/ui/keyset-pager';
import { TemplateRows } from '@/components/templates/template-rows';
import { formatCount } from '@/components/ui/format';
import { Table, Th } from '@/components/ui/table';
import {
  decodeTemplateCursor,
  listTemplates,
  parseTemplateFilters,
  TEMPLATE_SORTS,
  templateParams,
  templateSortOf,
  type TemplateSort,
} from '@/lib/queries/templates';
import { listFamilies } from '@/lib/queries/template-families';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Templates' };

type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
// the table's family filter finds the rest; at 250 families a longer list was most of the page
const FAMILIES_SHOWN = 24;

export default async function TemplatesPage({ searchParams }: { searchParams: SP }) {
  const sp = await searchParams;
  const sortParam = one(sp.sort);
  const sort: TemplateSort = templateSortOf(sortParam) ?? 'key';
  const sortProblem = sortParam !== undefined && !templateSortOf(sortParam);
  const dir = one(sp.dir) === 'desc' ? 'desc' : 'asc';
  const { filters, problems } = parseTemplateFilters(sp);
  const after = decodeTemplateCursor(one(sp.after));
  const before = after ? null : decodeTemplateCursor(one(sp.before));
  if ((one(sp.after) && !after) || (one(sp.before) && !after && !before)) {
    problems.push('The page position in the address could not be read, so the table starts at its first page.');
  }
  const opened = await openPage({
    title: 'Templates',
    role: 'viewer',
    what: 'templates table',
    load: async (db) => {
      const [t, families] = await Promise.all([
        listTemplates(db, { ...filters, sort, dir, after, before }),
        listFamilies(db),
      ]);
      return { t, families };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { t, families } = opened.data;
  const href = (s: TemplateSort, d: 'asc' | 'desc', extra: Record<string, string | undefined> = {}) => {
    const q = templateParams(filters, s, d, extra).toString();
    return q ? `/templates?${q}` : '/templates';
  };
  const head = (s: TemplateSort, label: string, right = false) => (
    <Th
      className={right ? 'text-right' : undefined}
      aria-sort={s === sort ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <Link
        href={href(s, s === sort && dir === 'asc' ? 'desc' : 'asc')}
        className="hover:text-slate-900"
        data-testid={`sort-${s}`}
      >
        {label}
        {s === sort ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </Link>
    </Th>
  );
  const filtered = !!(filters.family || filters.q || filters.used);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Templates"
        description="Every template from v_iu_template_observability, with instance counts kept by the substrate's counters."
      />
      {sortProblem && (
        <Alert tone="warning" title="That sort is not known, so the table is sorted by key." testId="sort-problem">
          Sort by one of: {Object.keys(TEMPLATE_SORTS).join(', ')} (click a column heading).
        </Alert>
      )}
      {problems.length > 0 && (
        <Alert
          tone="warning"
          title="Some filters in the address could not be used, so they are left out."
          testId="filter-problems"
        >
          {problems.join(' ')}
        </Alert>
      )}
      <Card
        title={`Families (${families.length})`}
        description="Open a family to see its version chain, the pieces of each version and a diff between any two."
      >
        <ul className="flex flex-wrap gap-2 text-sm">
          {families.slice(0, FAMILIES_SHOWN).map((f) => (
            <li key={f.family}>
              <Link
                className="family-chip"
                href={`/templates/families/${encodeURIComponent(f.family)}`}
                data-testid="family-link"
              >
                {f.family}{' '}
                <span className="text-xs text-slate-500">
                  · {f.versions} version{f.versions === 1 ? '' : 's'}
                </span>
              </Link>
            </li>
          ))}
          {families.length > FAMILIES_SHOWN && (
            <li className="self-center text-xs text-slate-500">
              and {families.length - FAMILIES_SHOWN} more: filter the table by family to find them.
            </li>
          )}
        </ul>
      </Card>
      <Card
        title={`Templates (${formatCount(t.total)}${filtered ? ' matching' : ''})`}
        description={`${t.rows.length} on this page; pages follow the sort and the key, so they stay fast at any depth. Click a column to sort.`}
      >
        <form
          method="get"
          action="/templates"
          className="mb-4 flex flex-wrap items-end gap-3 text-sm"
          data-testid="template-filters"
        >
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-slate-600">Key contains</span>
            <input name="q" defaultValue={filters.q ?? ''} className="rounded-md border border-slate-300 px-2 py-1" />
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-slate-600">Family</span>
            <input
              name="family"
              defaultValue={filters.family ?? ''}
              placeholder="tpl:design-review"
              className="rounded-md border border-slate-300 px-2 py-1"
            />
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-slate-600">Instances</span>
            <select
              name="used"
              defaultValue={filters.used ?? ''}
              className="rounded-md border border-slate-300 px-2 py-1"
            >
              <option value="">any</option>
              <option value="yes">at least one</option>
              <option value="no">none yet</option>
            </select>
          </label>
          {sort !== 'key' && <input type="hidden" name="sort" value={sort} />}
          {dir !== 'asc' && <input type="hidden" name="dir" value={dir} />}
          <button
            type="submit"
            className="rounded-md border border-slate-300 px-3 py-1 font-medium text-slate-700 hover:bg-slate-50"
          >
            Filter
          </button>
          {filtered && (
            <Link className="self-center text-sky-700 underline" href={href(sort, dir)} data-testid="clear-filters">
              Clear filters
            </Link>
          )}
        </form>
        {t.rows.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="templates-empty">
            No template matches these filters.
          </p>
        ) : (
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
              <TemplateRows
                rows={t.rows.map((r) => ({
                  id: r.collectionId,
                  key: r.collectionKey,
                  family: r.templateFamily,
                  version: r.versionLabel,
                  pieces: r.activePieceCount,
                  live: r.liveInstanceCount,
                  dryRun: r.dryRunInstanceCount,
                  last: r.lastInstantiatedAt?.toISOString() ?? null,
                }))}
              />
            </tbody>
          </Table>
        )}
        <KeysetPager
          back={{
            href: t.prev ? href(sort, dir, { before: t.prev }) : null,
            label: '← Previous',
            testId: 'templates-prev',
          }}
          forward={{
            href: t.next ? href(sort, dir, { after: t.next }) : null,
            label: 'Next →',
            testId: 'templates-next',
          }}
        />
      </Card>
    </div>
  );
}

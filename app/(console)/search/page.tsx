import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { formatTimestamp } from '@/components/ui/format';
import { search, SEARCH_KINDS } from '@/lib/queries/search';

export const dynamic = 'force-dynamic';

type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export async function generateMetadata({ searchParams }: { searchParams: SP }): Promise<Metadata> {
  const q = one((await searchParams).q)?.trim();
  return { title: q ? `Search: ${q.slice(0, 60)}` : 'Search' };
}

export default async function SearchPage({ searchParams }: { searchParams: SP }) {
  const raw = one((await searchParams).q) ?? '';
  const opened = await openPage({ title: 'Search', role: 'viewer', what: 'search', load: (db) => search(db, raw) });
  if ('shown' in opened) return opened.shown;
  const { query, hits, problem } = opened.data;
  // exactly one thing has this name: go to it (redirect throws, so it stays outside any try)
  if (hits.length === 1) redirect(hits[0].href);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Search"
        description="An event id, a log id, an instance key, a template key or family, or an actor. Press / anywhere to search."
      />
      {problem && raw.trim() !== '' && (
        <Alert tone="warning" title="Nothing was searched" testId="search-problem">
          {problem}
        </Alert>
      )}
      {!problem && hits.length === 0 && (
        <Alert tone="info" title={`Nothing matches “${query}”`} testId="search-miss">
          <p>
            No event, log row, instance, template, family or actor has exactly this id or key. An event id is a UUID, an
            instance key starts with <code>inst:</code> or <code>dryrun:</code>, a template key looks like{' '}
            <code>tpl:family/v2</code>, and an actor is a user name, with or without its run tag. The{' '}
            <Link className="underline" href="/events">
              event log
            </Link>{' '}
            filters by date and status too.
          </p>
        </Alert>
      )}
      {hits.length > 1 && (
        <p className="text-sm text-slate-600" data-testid="search-count">
          {hits.length} matches for “{query}”.
        </p>
      )}
      {SEARCH_KINDS.map(({ kind, title }) => {
        const mine = hits.filter((h) => h.kind === kind);
        if (!mine.length) return null;
        return (
          <Card key={kind} title={title}>
            <ul className="divide-y divide-slate-100" data-testid={`search-group-${kind}`}>
              {mine.map((h) => (
                <li key={h.href} className="py-2 text-sm">
                  <Link className="font-mono text-sky-700 underline" href={h.href} data-testid="search-hit">
                    {h.label}
                  </Link>
                  <p className="text-xs text-slate-500">
                    {h.detail}
                    {h.at ? ` · ${formatTimestamp(h.at)}` : ''}
                  </p>
                </li>
              ))}
            </ul>
          </Card>
        );
      })}
    </div>
  );
}

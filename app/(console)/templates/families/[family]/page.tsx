import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { formatTimestamp } from '@/components/ui/format';
import { VersionCompare } from '@/components/templates/version-compare';
import { diffPieces } from '@/lib/queries/template-diff';
import { getFamily } from '@/lib/queries/template-families';

export const dynamic = 'force-dynamic';

function familyOf(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params }: { params: Promise<{ family: string }> }): Promise<Metadata> {
  return { title: `${familyOf((await params).family).slice(0, 100)} · Template family` };
}

type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function FamilyPage({
  params,
  searchParams,
}: {
  params: Promise<{ family: string }>;
  searchParams: SP;
}) {
  const family = familyOf((await params).family);
  const sp = await searchParams;
  const opened = await openPage({
    title: family,
    role: 'viewer',
    what: 'template family',
    load: (db) => getFamily(db, family),
  });
  if ('shown' in opened) return opened.shown;
  const chain = opened.data;
  // a family with no registered version is a 404 (not-found.tsx beside this page says so)
  if (!chain) notFound();
  const highlight = one(sp.highlight);
  const labels = chain.map((v) => v.versionLabel);
  const to = labels.includes(one(sp.to) ?? '') ? one(sp.to)! : labels.at(-1)!;
  const defFrom = labels[Math.max(0, labels.indexOf(to) - 1)];
  const from = labels.includes(one(sp.from) ?? '') ? one(sp.from)! : defFrom;
  const vFrom = chain.find((v) => v.versionLabel === from)!;
  const vTo = chain.find((v) => v.versionLabel === to)!;
  const unknown = (['from', 'to'] as const).filter((k) => one(sp[k]) && !labels.includes(one(sp[k])!));
  const problem = unknown.length
    ? `This family has no version ${unknown.map((k) => JSON.stringify(one(sp[k])!.slice(0, 40))).join(' or ')} (it has ${labels.join(', ')}); comparing ${from} with ${to} instead.`
    : null;

  return (
    <div className="space-y-6">
      <PageHeader
        title={family}
        description={`${chain.length} version${chain.length === 1 ? '' : 's'}; ${chain.at(-1)!.title}`}
        meta={
          <Link className="text-sm text-sky-700 underline" href="/templates">
            All templates
          </Link>
        }
      />
      <Card title="Version chain" description="Each version points to the one before it; who registered it and when.">
        <ol className="flex flex-wrap items-stretch gap-2" data-testid="version-chain">
          {chain.map((v, i) => (
            <li key={v.collectionId} className="flex items-center gap-2">
              {i > 0 && (
                <span aria-hidden className="text-slate-400">
                  →
                </span>
              )}
              <div
                data-testid={`version-${v.versionLabel}`}
                className={cn(
                  'rounded-lg border px-3 py-2 text-sm',
                  v.versionLabel === highlight ? 'border-sky-500 bg-sky-50' : 'border-slate-200 bg-white',
                )}
              >
                <p className="font-semibold text-slate-900">
                  {v.versionLabel} {v.isLatest && <Badge tone="info">latest</Badge>}
                </p>
                <p className="text-xs text-slate-600">{v.templateLabel}</p>
                <p className="mt-1 text-xs text-slate-500">
                  by{' '}
                  <Link className="underline" href={`/actors/${encodeURIComponent(v.registeredBy)}`}>
                    {v.registeredBy}
                  </Link>{' '}
                  · {formatTimestamp(v.registeredAt)}
                </p>
                <p className="text-xs text-slate-500">
                  {v.pieces.length} pieces ·{' '}
                  <Link className="underline" href={`/events?template=${v.collectionId}`}>
                    {v.liveInstanceCount} live, {v.dryRunInstanceCount} dry-run
                  </Link>
                </p>
              </div>
            </li>
          ))}
        </ol>
      </Card>

      <VersionCompare
        labels={labels}
        from={vFrom}
        to={vTo}
        entries={diffPieces(vFrom.pieces, vTo.pieces)}
        problem={problem}
      />

      <Card title="Pieces of each version">
        <div className="grid gap-4 md:grid-cols-2 lg:grid-cols-3">
          {chain.map((v) => (
            <div key={v.collectionId}>
              <h3 className="text-sm font-semibold text-slate-900">
                {v.versionLabel} <span className="text-xs font-normal text-slate-500">{v.collectionKey}</span>
              </h3>
              <ol className="mt-1 list-decimal pl-5 text-xs text-slate-700">
                {v.pieces.map((p) => (
                  <li key={p.position}>
                    <span className="font-medium">{p.role}</span>: {p.title}
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </div>
      </Card>
    </div>
  );
}

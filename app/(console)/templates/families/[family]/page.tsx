import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { formatTimestamp } from '@/components/ui/format';
import { diffPieces, type DiffKind } from '@/lib/queries/template-diff';
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
const KIND_TONE: Record<DiffKind, BadgeTone> = {
  added: 'success',
  removed: 'danger',
  reused: 'neutral',
  changed: 'warning',
};

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
  const entries = diffPieces(vFrom.pieces, vTo.pieces);
  const counts = entries.reduce<Record<string, number>>((m, e) => ((m[e.kind] = (m[e.kind] ?? 0) + 1), m), {});

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

      <Card
        title="Compare two versions"
        description="Pieces are matched by role: the same piece is reused, another piece under the same role is changed."
      >
        <form method="get" className="flex flex-wrap items-end gap-3 text-sm" data-testid="compare-form">
          <label className="text-xs font-medium text-slate-600">
            From
            <select
              name="from"
              defaultValue={from}
              aria-label="From version"
              className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5"
            >
              {labels.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label className="text-xs font-medium text-slate-600">
            To
            <select
              name="to"
              defaultValue={to}
              aria-label="To version"
              className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5"
            >
              {labels.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <button
            type="submit"
            className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-700"
          >
            Compare
          </button>
        </form>
        <p className="mt-4 text-sm text-slate-700" data-testid="diff-summary">
          {from} → {to}: {counts.added ?? 0} added, {counts.removed ?? 0} removed, {counts.changed ?? 0} changed,{' '}
          {counts.reused ?? 0} reused.
        </p>
        <ul className="mt-3 divide-y divide-slate-100" data-testid="diff">
          {entries.map((e) => (
            <li key={`${e.kind}-${e.role}`} className="py-3 text-sm" data-testid={`diff-${e.role}`} data-kind={e.kind}>
              <div className="flex items-center gap-2">
                <Badge tone={KIND_TONE[e.kind]}>{e.kind}</Badge>
                <span className="font-medium text-slate-900">{e.role}</span>
                {e.kind === 'changed' && (
                  <span className="text-xs text-slate-500">
                    {[e.titleChanged && 'title', e.bodyChanged && 'text'].filter(Boolean).join(' and ') ||
                      'new piece, same text'}{' '}
                    changed
                  </span>
                )}
              </div>
              {e.kind === 'changed' ? (
                <div className="mt-2 grid gap-2 md:grid-cols-2">
                  <p className="whitespace-pre-line rounded bg-red-50 p-2 text-xs text-red-900">
                    <span className="font-semibold">{from}: </span>
                    {e.from!.body}
                  </p>
                  <p className="whitespace-pre-line rounded bg-emerald-50 p-2 text-xs text-emerald-900">
                    <span className="font-semibold">{to}: </span>
                    {e.to!.body}
                  </p>
                </div>
              ) : (
                <p className="mt-1 whitespace-pre-line text-xs text-slate-600">
                  {(e.to ?? e.from)!.title}: {(e.to ?? e.from)!.body}
                </p>
              )}
            </li>
          ))}
        </ul>
      </Card>

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

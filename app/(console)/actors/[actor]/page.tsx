import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '@/components/dashboards/AutoRefresh';
import { statusTone } from '@/components/events/status';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatCount, formatTimestamp } from '@/components/ui/format';
import { auditTimelineSource, getActorTimeline, listActors, splitActor } from '@/lib/queries/actors';
import { batchQuery, listBatchRows, parseBatchKey, type BatchKey } from '@/lib/queries/batches';
import { BatchRows } from './BatchRows';
import { hasRole } from '@/lib/auth/roles';

export const dynamic = 'force-dynamic';
const actorOf = (raw: string) => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

export async function generateMetadata({ params }: { params: Promise<{ actor: string }> }): Promise<Metadata> {
  return { title: `Actor ${actorOf((await params).actor).slice(0, 100)}` };
}

type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

const KIND_LABEL: Record<string, string> = {
  event: 'event',
  instance: 'instance',
  rolled_back: 'rolled back',
  rollback_run: 'ran a rollback',
  batch: 'bulk run',
  audit: 'console',
};

export default async function ActorPage({
  params,
  searchParams,
}: {
  params: Promise<{ actor: string }>;
  searchParams: SP;
}) {
  const actor = actorOf((await params).actor);
  const sp = await searchParams;
  const beforeParam = one(sp.before);
  const before = beforeParam && !Number.isNaN(Date.parse(beforeParam)) ? new Date(beforeParam) : undefined;
  // one bulk run opened below its entry (batch, tpl, mode), its rows from `after` on
  const open = parseBatchKey(actor, { batch: one(sp.batch), tpl: one(sp.tpl), mode: one(sp.mode) });
  const afterParam = Number(one(sp.after));
  const after = Number.isSafeInteger(afterParam) && afterParam > 0 ? afterParam : undefined;
  const base = `/actors/${encodeURIComponent(actor)}${beforeParam && before ? `?before=${encodeURIComponent(beforeParam)}` : ''}`;
  const isOpen = (k: BatchKey) =>
    !!open && k.batchTag === open.batchTag && k.templateId === open.templateId && k.emitMode === open.emitMode;
  const page = await openPage({
    title: actor,
    role: 'viewer',
    what: 'actor timeline',
    needsLog: true,
    load: async (db, me) => {
      const isLead = hasRole(me.role, 'lead');
      const [timeline, actors, opened] = await Promise.all([
        getActorTimeline(db, actor, { before, sources: isLead ? [auditTimelineSource] : [] }),
        listActors(db),
        open ? listBatchRows(db, open, { after }) : null,
      ]);
      return { timeline, row: actors.find((a) => a.actor === actor) ?? null, opened };
    },
  });
  if ('shown' in page) return page.shown;
  const { timeline, row, opened } = page.data;
  // Leads also see the console audit rows (with their reasons); the audit trail is theirs.
  const isLead = hasRole(page.me.role, 'lead');
  const sep = base.includes('?') ? '&' : '?';
  const { user, runTag } = splitActor(actor);
  const openInstances = row ? row.instancesCreated - row.rolledBack : 0;
  return (
    <div className="space-y-6">
      <PageHeader
        title={actor}
        description={runTag ? `${user}, run tag ${runTag}` : 'A person acting without a run tag'}
        meta={<AutoRefresh />}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Counts" className="lg:col-span-2">
          {row ? (
            <dl className="grid grid-cols-2 gap-3 text-sm md:grid-cols-4">
              <div>
                <dt className="text-slate-500">Events</dt>
                <dd className="text-lg font-semibold">{formatCount(row.events)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Instances made</dt>
                <dd className="text-lg font-semibold">{formatCount(row.instancesCreated)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Refusals</dt>
                <dd className="text-lg font-semibold">{formatCount(row.refusals)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Rolled back</dt>
                <dd className="text-lg font-semibold">{formatCount(row.rolledBack)}</dd>
              </div>
            </dl>
          ) : (
            <p className="text-sm text-slate-500">This actor string has no auto-instantiate events.</p>
          )}
          <p className="mt-3 text-sm">
            <Link className="text-sky-700 underline" href={`/events?actor=${encodeURIComponent(actor)}`}>
              All events of {actor} in the event log
            </Link>
          </p>
        </Card>
        {isLead && (
          <Card
            title="Rollback (leads)"
            description="Rollback by actor removes every instance this exact actor string made that is not rolled back yet."
          >
            <p className="text-sm text-slate-700">
              {formatCount(Math.max(0, openInstances))} instance{openInstances === 1 ? '' : 's'} not rolled back.
            </p>
            <Link
              data-testid="rollback-entry"
              href={`/rollback?actor=${encodeURIComponent(actor)}`}
              className="mt-3 inline-block rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Preview a rollback of {actor}
            </Link>
            <p className="mt-2 text-xs text-slate-500">
              Opens the rollback page with a preview first; only leads can make it durable there.
            </p>
          </Card>
        )}
      </div>
      <Card
        title="Timeline"
        description="Newest first: events, instances made, each bulk run as one entry (open it for its rows), rollbacks of this actor's instances and rollbacks this person ran."
      >
        <ol className="relative space-y-3 border-l border-slate-200 pl-5" data-testid="timeline">
          {timeline.entries.map((e, i) => (
            <li key={`${e.kind}-${e.at.getTime()}-${i}`} className="text-sm" data-testid={`timeline-${e.kind}`}>
              <span
                aria-hidden
                className="absolute -left-1.5 mt-1.5 size-3 rounded-full border border-white bg-slate-400"
              />
              <div className="flex flex-wrap items-center gap-2">
                <span className="text-xs text-slate-500">{formatTimestamp(e.at)}</span>
                <Badge
                  tone={
                    e.kind === 'rolled_back' || e.kind === 'rollback_run' || (e.batch && e.batch.rolledBack > 0)
                      ? 'warning'
                      : e.status
                        ? statusTone(e.status)
                        : 'neutral'
                  }
                >
                  {KIND_LABEL[e.kind] ?? e.kind}
                </Badge>
                {e.href ? (
                  <Link className="text-sky-700 underline" href={e.href}>
                    {e.title}
                  </Link>
                ) : (
                  <span>{e.title}</span>
                )}
              </div>
              {e.detail && <p className="text-xs text-slate-500">{e.detail}</p>}
              {e.batch && (
                <p className="text-xs">
                  {isOpen(e.batch) ? null : (
                    <Link
                      className="text-sky-700 underline"
                      data-testid="batch-expand"
                      href={`${base}${sep}${batchQuery(e.batch)}`}
                    >
                      Show its {formatCount(e.batch.rows)} rows, 50 at a time
                    </Link>
                  )}
                  {e.batch.jobId && (
                    <Link className="ml-3 text-sky-700 underline" href={`/bulk/${e.batch.jobId}`}>
                      Its bulk job
                    </Link>
                  )}
                </p>
              )}
              {e.batch && isOpen(e.batch) && opened && (
                <BatchRows batch={e.batch} rows={opened.rows} next={opened.next} base={base} />
              )}
              {e.reason && <p className="text-xs text-slate-700">Reason: {e.reason}</p>}
            </li>
          ))}
        </ol>
        {timeline.older && (
          <Link
            className="mt-4 inline-block text-sm text-sky-700 underline"
            href={`/actors/${encodeURIComponent(actor)}?before=${encodeURIComponent(timeline.older.toISOString())}`}
          >
            Older →
          </Link>
        )}
      </Card>
    </div>
  );
}

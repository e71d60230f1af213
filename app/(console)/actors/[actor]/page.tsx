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
  const opened = await openPage({
    title: actor,
    role: 'viewer',
    what: 'actor timeline',
    needsLog: true,
    load: async (db, me) => {
      const isLead = hasRole(me.role, 'lead');
      const [timeline, actors] = await Promise.all([
        getActorTimeline(db, actor, { before, sources: isLead ? [auditTimelineSource] : [] }),
        listActors(db),
      ]);
      return { timeline, row: actors.find((a) => a.actor === actor) ?? null };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { timeline, row } = opened.data;
  // Leads also see the console audit rows (with their reasons); the audit trail is theirs.
  const isLead = hasRole(opened.me.role, 'lead');
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
        description="Newest first: events, instances made, rollbacks of this actor's instances and rollbacks this person ran."
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
                    e.kind === 'rolled_back' || e.kind === 'rollback_run'
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

import { openPage } from '@/components/shell/open-page';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EventLogRows } from './EventLogRows';
import { formatTimestamp } from '@/components/ui/format';
import { getInstance, getRolledBackInstance } from '@/lib/queries/instances';
import { RolledBackInstanceView } from './RolledBackInstance';

export const dynamic = 'force-dynamic';

/** The id or key in the address, decoded: a key (inst:…/…) arrives percent-encoded in the segment. */
function idOf(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // not valid percent-encoding: no instance has it, and the page says so
    return raw;
  }
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Instance ${idOf((await params).id).slice(0, 100)}` };
}

export default async function InstancePage({ params }: { params: Promise<{ id: string }> }) {
  const id = idOf((await params).id);
  const opened = await openPage({
    title: `Instance ${id.slice(0, 100)}`,
    role: 'viewer',
    what: 'instance',
    load: async (db) => {
      const live = await getInstance(db, id);
      return { live, gone: live ? null : await getRolledBackInstance(db, id) };
    },
  });
  if ('shown' in opened) return opened.shown;
  const { live: inst, gone } = opened.data;
  // a rolled-back instance existed: its history, with 200
  if (!inst && gone) return <RolledBackInstanceView inst={gone} />;
  // one that never existed is a 404 (not-found.tsx beside this page says so)
  if (!inst) notFound();
  return (
    <div className="space-y-6">
      <PageHeader
        title={inst.collectionKey}
        description={`${inst.emitMode === 'live' ? 'Live' : 'Dry-run'} instance of ${inst.templateKey ?? inst.templateId}`}
        meta={<Badge tone={inst.emitMode === 'live' ? 'success' : 'info'}>{inst.emitMode}</Badge>}
      />
      <Card title="Who and when">
        <dl className="grid grid-cols-1 gap-3 text-sm md:grid-cols-2" data-testid="instance-facts">
          <div>
            <dt className="text-slate-500">Created by</dt>
            <dd>
              <Link className="text-sky-700 underline" href={`/actors/${encodeURIComponent(inst.createdBy)}`}>
                {inst.createdBy}
              </Link>
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Created at</dt>
            <dd>{formatTimestamp(inst.createdAt)}</dd>
          </div>
          <div>
            <dt className="text-slate-500">Event id</dt>
            <dd>
              <code className="text-xs">{inst.eventId}</code>
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Template</dt>
            <dd>
              {inst.templateFamily ? (
                <Link
                  className="text-sky-700 underline"
                  href={`/templates/families/${encodeURIComponent(inst.templateFamily)}?highlight=${encodeURIComponent(inst.templateVersionLabel ?? '')}`}
                >
                  {inst.templateKey}
                </Link>
              ) : (
                inst.templateKey
              )}
            </dd>
          </div>
        </dl>
      </Card>
      <EventLogRows events={inst.events} />
      <Card title={`Pieces (${inst.pieces.length}), linked from the template`}>
        <ol className="list-decimal space-y-1 pl-5 text-sm">
          {inst.pieces.map((p) => (
            <li key={p.position}>
              <span className="font-medium">{p.role}</span>: {p.title}{' '}
              <span className="text-xs text-slate-500">{p.canonicalAddress}</span>
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}

// An instance that a rollback removed: its history from the event log and the audit trail,
// and a plain statement that it is rolled back (the page answers 200: it existed).
import Link from 'next/link';
import { PageHeader } from '@/components/shell/PageHeader';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EventLogRows } from './EventLogRows';
import { formatTimestamp } from '@/components/ui/format';
import { batchQuery } from '@/lib/queries/batches';
import type { RolledBackInstance } from '@/lib/queries/instances';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function RolledBackInstanceView({ inst }: { inst: RolledBackInstance }) {
  const actorHref = `/actors/${encodeURIComponent(inst.createdBy)}`;
  return (
    <div className="space-y-6" data-testid="instance-rolled-back">
      <PageHeader
        title={inst.collectionKey}
        description={`${inst.emitMode === 'live' ? 'Live' : 'Dry-run'} instance of ${inst.templateKey ?? inst.templateId}, rolled back`}
        meta={<Badge tone="warning">rolled back</Badge>}
      />
      <Alert tone="warning" title="This instance was rolled back">
        <p>
          It was rolled back by <strong>{inst.rolledBackBy}</strong> at {formatTimestamp(inst.rolledBackAt)}: its
          collection and piece links were removed, and the pieces themselves stay. The history below is what the event
          log keeps.
          {inst.rollbackAudit && (
            <>
              {' '}
              <Link className="text-sky-700 underline" href={`/audit?id=${inst.rollbackAudit.id}`}>
                The rollback in the audit trail
              </Link>
              {inst.rollbackAudit.reason ? ` (reason: ${inst.rollbackAudit.reason})` : ''}.
            </>
          )}
        </p>
      </Alert>
      <Card title="Who and when">
        <dl className="grid grid-cols-1 gap-3 text-sm md:grid-cols-2" data-testid="instance-facts">
          <Fact label="Created by">
            <Link className="text-sky-700 underline" href={actorHref}>
              {inst.createdBy}
            </Link>
          </Fact>
          <Fact label="Created at">{formatTimestamp(inst.createdAt)}</Fact>
          <Fact label="Event">
            <code className="text-xs">{inst.eventId}</code> ({inst.eventType}),{' '}
            <Link className="text-sky-700 underline" href={`/events?event=${inst.logId}`}>
              log row #{inst.logId}
            </Link>
          </Fact>
          <Fact label="Template">
            {inst.templateFamily ? (
              <Link
                className="text-sky-700 underline"
                href={`/templates/families/${encodeURIComponent(inst.templateFamily)}?highlight=${encodeURIComponent(inst.templateVersionLabel ?? '')}`}
              >
                {inst.templateKey}
              </Link>
            ) : (
              (inst.templateKey ?? inst.templateId)
            )}
          </Fact>
          <Fact label="Batch">
            {inst.batchTag ? (
              <Link
                className="text-sky-700 underline"
                href={`${actorHref}?${batchQuery({ batchTag: inst.batchTag, templateId: inst.templateId, emitMode: inst.emitMode === 'live' ? 'live' : 'dry_run' })}`}
              >
                bulk {inst.batchTag}
              </Link>
            ) : (
              'a single event, not a bulk run'
            )}
          </Fact>
          <Fact label="Rolled back">
            {formatTimestamp(inst.rolledBackAt)} by {inst.rolledBackBy}
          </Fact>
          {inst.note && <Fact label="Note">{inst.note}</Fact>}
          <Fact label="Instance id">
            <code className="text-xs">{inst.id}</code>
          </Fact>
        </dl>
      </Card>
      <EventLogRows events={inst.events} />
    </div>
  );
}

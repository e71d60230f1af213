// Human-readable renderings of recipe outcomes for scripts/iu.ts. Pure functions from values
// to text, so they are tested without a database.
import type {
  BulkItem,
  BulkResult,
  ComposeResult,
  FieldIssue,
  Gate,
  InstantiateResult,
  Refusal,
  RollbackResult,
} from '@/lib/recipes';
import { describeStatus } from '@/lib/recipes';
import { fmtCount, fmtDate, fmtMs, plural, record, table } from './format';

/** A refusal: status, the sentence, each field problem, and whether anything was kept. */
export function renderRefusal(r: Refusal): string {
  const lines = [`Refused: ${r.status}${r.step ? ` at step ${r.step}` : ''}`];
  if (r.issues?.length) {
    // the message repeats the issues in one paragraph; a list per field reads better here
    lines.push(describeStatus(r.status));
    for (const i of r.issues as (FieldIssue & { flag?: string })[])
      lines.push(`  - ${i.flag ?? i.field}: ${i.message}`);
  } else {
    lines.push(r.message);
  }
  const detail = refusalDetail(r);
  if (detail) lines.push(`  substrate said: ${detail}`);
  const logRow = r.detail?.event_log_id;
  if (r.committed && logRow != null) {
    lines.push(
      `The refusal was committed: its event-log row (${String(logRow)}) is kept, and nothing else was written.`,
    );
  } else if (!/nothing was written/i.test(lines.join(' '))) {
    lines.push('Nothing was written.');
  }
  return lines.join('\n');
}

/** The informative fields of a substrate answer (reason, the colliding key…), without the noise. */
function refusalDetail(r: Refusal): string | null {
  if (!r.detail) return null;
  const skip = new Set(['status', 'emit_mode', 'openGates', 'event_log_id']);
  const parts = Object.entries(r.detail)
    .filter(([k, v]) => !skip.has(k) && v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(', ') : null;
}

export function renderGates(gates: Gate[]): string {
  return table(
    ['gate', 'value', 'state', 'note'],
    gates.map((g) => [
      g.key,
      g.value,
      g.open ? 'OPEN (leak)' : 'closed',
      g.neverOpenedHere ? 'never opened by this project' : 'opened only inside a recipe transaction',
    ]),
  );
}

export function gateLeakLine(gates: Gate[]): string | null {
  const open = gates.filter((g) => g.open);
  if (!open.length) return null;
  return `GATE LEAK: ${open.map((g) => g.key).join(', ')} ${open.length === 1 ? 'is' : 'are'} open in committed data; every recipe refuses until a lead closes them: npm run iu -- gates --close-all shows the plan and the command that closes them`;
}

export function renderCompose(res: ComposeResult, committed: boolean, opts: { withPlan?: boolean } = {}): string {
  const newCount = res.newPieceIds.length;
  const link = res.previous
    ? `${res.previous.versionLabel} → ${res.versionLabel}`
    : `${res.versionLabel} (first version of ${res.family})`;
  const lines = [
    committed
      ? `Composed and registered ${res.collectionKey}.`
      : `Preview of ${res.collectionKey} (rolled back, nothing was written):`,
    record([
      ['key', res.collectionKey],
      ['family', res.family],
      ['version', link],
      ['collection id', committed ? res.collectionId : `${res.collectionId} (preview only; a real run gets a new id)`],
      [
        'previous id',
        res.previous
          ? `${res.previous.collectionId}${res.previous.registeredNow ? ' (registered as v1 now)' : ''}`
          : null,
      ],
      ['actor', res.actor],
      ['pieces', `${res.pieces.length}: ${newCount} new, ${res.pieces.length - newCount} reused`],
    ]),
    table(
      ['#', 'role', 'piece', 'iu id', 'canonical address'],
      res.pieces.map((p, i) => [
        i + 1,
        p.role,
        p.reused ? 'reused' : 'new',
        committed || p.reused ? p.iuId : `${p.iuId.slice(0, 8)}… (preview)`,
        p.canonicalAddress,
      ]),
    ),
  ];
  if (!committed && !opts.withPlan) lines.push('Run again with --commit to keep it.');
  return lines.join('\n');
}

export function renderInstantiate(
  res: InstantiateResult,
  opts: {
    committed: boolean;
    eventType: string;
    suffix: string;
    template: { id: string; key: string | null };
    withPlan?: boolean;
  },
): string {
  const kept = opts.committed;
  const instance = res.instanceCollectionKey ?? (res.instanceCollectionId ? res.instanceCollectionId : null);
  const lines = [
    record([
      ['status', res.status],
      ['event id', res.eventId],
      ['event type', opts.eventType],
      ['template', opts.template.key ? `${opts.template.key} (${opts.template.id})` : opts.template.id],
      ['mode', res.emitMode],
      ['unique suffix', opts.suffix],
      ['actor', res.actor],
      ['instance', instance],
      [
        'instance id',
        res.instanceCollectionId && !kept && res.status === 'ok'
          ? `${res.instanceCollectionId} (rolled back)`
          : res.instanceCollectionId,
      ],
      ['pieces linked', res.pieceCount],
      ['event-log row', res.eventLogId == null ? null : `${res.eventLogId}${kept ? '' : ' (rolled back)'}`],
      ['replay of row', res.originalEventLogId == null ? null : String(res.originalEventLogId)],
    ]),
  ];
  if (res.status === 'idempotent_replay') lines.push(describeStatus('idempotent_replay'));
  if (!kept)
    lines.push(
      `Preview: everything was rolled back, nothing was written.${opts.withPlan ? '' : ' Run again with --commit to keep it.'}`,
    );
  else if (res.status === 'ok' && res.emitMode === 'dry_run')
    lines.push('Committed: the dry_run-tagged instance is durable (rollback-actor removes it).');
  else if (res.status === 'ok') lines.push('Committed: the live instance exists now.');
  else lines.push('Committed: the replay is recorded in the event log; no new instance was made.');
  return lines.join('\n');
}

export function renderBulk(
  res: BulkResult,
  opts: {
    committed: boolean;
    allItems: boolean;
    templateKey: string | null;
    batchTag: string;
    firstItems?: number;
    withPlan?: boolean;
  },
): string {
  const first = opts.firstItems ?? 5;
  const rate = res.elapsedMs > 0 ? `${fmtCount(Math.round((res.total / res.elapsedMs) * 1000))} events/s` : '';
  const lines = [
    opts.committed
      ? `Bulk run committed: ${plural(res.total, 'event')} in ${fmtMs(res.elapsedMs)}${rate ? ` (${rate})` : ''}.`
      : `Preflight (predicted, nothing was written): ${plural(res.total, 'event')} in ${fmtMs(res.elapsedMs)}${rate ? ` (${rate})` : ''}.`,
    record([
      ['template', opts.templateKey ? `${opts.templateKey} (${res.templateCollectionId})` : res.templateCollectionId],
      ['mode', res.emitMode],
      ['actor', res.actor],
      ['batch', opts.batchTag],
      ['event ids', res.items.length ? `${res.items[0].eventId} … ${res.items[res.items.length - 1].eventId}` : null],
    ]),
    table(
      ['status', 'count'],
      Object.entries(res.counts)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => [k, n]),
    ),
  ];
  const items = opts.allItems ? res.items : res.items.slice(0, first);
  if (items.length) {
    lines.push(
      opts.allItems ? 'Items:' : `First ${items.length} of ${fmtCount(res.items.length)} items (--items prints all):`,
    );
    lines.push(renderBulkItems(items));
  }
  if (!opts.committed && !opts.withPlan) lines.push('Run again with --commit to run it for real.');
  return lines.join('\n');
}

export function renderBulkItems(items: BulkItem[]): string {
  return table(
    ['#', 'event id', 'suffix', 'status', 'instance', 'log row'],
    items.map((i) => [
      i.index,
      i.eventId,
      i.uniqueSuffix,
      i.status,
      i.instanceCollectionKey ?? i.instanceCollectionId,
      i.eventLogId == null ? null : String(i.eventLogId),
    ]),
  );
}

export function renderRollback(
  res: RollbackResult,
  opts: { committed: boolean; allItems: boolean; firstItems?: number },
): string {
  const first = opts.firstItems ?? 10;
  const lines: string[] = [];
  if (res.instanceCount === 0) {
    lines.push(
      `Nothing to roll back: no standing instance was created by the actor ${JSON.stringify(res.actor)} (matched exactly).`,
    );
    return lines.join('\n');
  }
  lines.push(
    res.dryRun
      ? `Dry run: rolling back ${JSON.stringify(res.actor)} would delete ${plural(res.instanceCount, 'instance')} (nothing was written; --durable does it).`
      : `Rolled back ${JSON.stringify(res.actor)}: deleted ${plural(res.instanceCount, 'instance')}${res.rolledBackBy ? `, recorded as rolled back by ${res.rolledBackBy}` : ''}${opts.committed ? '' : ' (not committed)'}.`,
  );
  lines.push(
    table(
      ['template', 'instances'],
      Object.entries(res.byTemplate)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => [k, n]),
    ),
  );
  lines.push(
    `By mode: ${Object.entries(res.byMode)
      .map(([k, n]) => `${k} ${fmtCount(n)}`)
      .join(', ')}.`,
  );
  const items = opts.allItems ? res.instances : res.instances.slice(0, first);
  if (items.length) {
    lines.push(
      opts.allItems
        ? 'Instances:'
        : `First ${items.length} of ${fmtCount(res.instanceCount)} instances (--items prints all):`,
    );
    lines.push(
      table(
        ['instance', 'mode', 'event id', 'created'],
        items.map((i) => [
          i.instanceCollectionKey ?? i.instanceCollectionId,
          i.emitMode,
          i.eventId,
          fmtDate(i.createdAt),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

import { listAudit, readAuditQuery, type AuditFilters, type AuditRow } from '@/lib/auth/audit';
import { exportResponse } from '@/lib/http/download';
import { badQuery, oneOf, single, wholeNumber } from '@/lib/http/query';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';
import { describeDatabaseError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

const COLUMNS = [
  'id',
  'started_at',
  'finished_at',
  'username',
  'role',
  'recipe',
  'mode',
  'decision',
  'status',
  'actor',
  'reason',
  'summary',
  'ip',
  'user_agent',
  'committed',
  'params',
  'via',
] as const;

function record(r: AuditRow): Record<(typeof COLUMNS)[number], unknown> {
  return {
    id: r.id,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt.toISOString(),
    username: r.username,
    role: r.role,
    recipe: r.recipe,
    mode: r.mode,
    decision: r.decision,
    status: r.status,
    actor: r.actor,
    reason: r.reason,
    summary: r.summary,
    ip: r.ip,
    user_agent: r.userAgent,
    committed: r.committed,
    params: r.params,
    via: r.via ?? null,
  };
}

/** The whole filtered trail, newest first, in keyset batches of 1,000. */
async function* batches(filters: AuditFilters) {
  const { orm } = await getDb();
  let before = filters.beforeId;
  for (;;) {
    const rows = await listAudit(orm, { ...filters, beforeId: before, limit: 1000 });
    if (rows.length) yield rows.map(record);
    if (rows.length < 1000) return;
    before = rows[rows.length - 1].id;
  }
}

/**
 * Lead only: the console audit trail, filtered like the audit page (?username, ?recipe,
 * ?mode, ?decision, ?from, ?to), newest first. Without ?format: one JSON page
 * ({ rows }, ?before=<id>, ?limit ≤ 5000). With ?format=csv|json: the whole filtered set,
 * streamed as a download in keyset batches of 1,000. A value that cannot be read is answered
 * 400 with a sentence.
 */
export async function GET(req: Request) {
  const who = await apiUser(req, 'lead');
  if ('response' in who) return who.response;
  const q = new URL(req.url).searchParams;
  const { filters, problems } = readAuditQuery(q);
  const format = oneOf(q, 'format', ['csv', 'json'] as const, problems);
  const limit = wholeNumber(q, 'limit', 1, 5000, problems);
  const download = single(q, 'download', problems);
  if (problems.length) return badQuery(problems);
  if (!format) {
    let rows;
    try {
      rows = await listAudit((await getDb()).orm, { ...filters, limit: limit ?? 500 });
    } catch (err) {
      return Response.json({ ok: false, error: describeDatabaseError(err) }, { status: 503 });
    }
    return Response.json(
      { rows },
      { headers: download ? { 'content-disposition': 'attachment; filename="console-audit.json"' } : {} },
    );
  }
  return exportResponse({ format, filename: 'console-audit', columns: COLUMNS, batches: batches(filters) });
}

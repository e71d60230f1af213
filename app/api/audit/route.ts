import { stringify } from 'csv-stringify/sync';
import { listAudit, parseAuditFilters, type AuditRow } from '@/lib/auth/audit';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

const COLUMNS = [
  'id', 'started_at', 'finished_at', 'username', 'role', 'recipe', 'mode', 'decision', 'status',
  'actor', 'reason', 'summary', 'ip', 'user_agent', 'committed', 'params',
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
  };
}

/**
 * Lead only: the console audit trail, filtered like the audit page (?username, ?recipe,
 * ?mode, ?decision, ?from, ?to), newest first. Without ?format: one JSON page
 * ({ rows }, ?before=<id>, ?limit ≤ 5000). With ?format=csv|json: the whole filtered set,
 * streamed as a download in keyset batches of 1,000.
 */
export async function GET(req: Request) {
  const who = await apiUser(req, 'lead');
  if ('response' in who) return who.response;
  const u = new URL(req.url);
  const filters = parseAuditFilters(u.searchParams);
  const orm = (await getDb()).orm;
  const format = u.searchParams.get('format');
  if (format !== 'csv' && format !== 'json') {
    const rows = await listAudit(orm, { ...filters, limit: Number(u.searchParams.get('limit')) || 500 });
    return Response.json(
      { rows },
      { headers: u.searchParams.get('download') ? { 'content-disposition': 'attachment; filename="console-audit.json"' } : {} },
    );
  }
  const enc = new TextEncoder();
  let before = filters.beforeId;
  let first = true;
  let done = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return;
      const rows = await listAudit(orm, { ...filters, beforeId: before, limit: 1000 });
      let chunk = '';
      if (format === 'csv' && first) chunk += stringify([COLUMNS as unknown as string[]]);
      for (const r of rows) {
        const rec = record(r);
        if (format === 'csv') chunk += stringify([COLUMNS.map((c) => (c === 'params' ? JSON.stringify(rec[c]) : rec[c] ?? ''))]);
        else chunk += `${first ? '[\n' : ',\n'}${JSON.stringify(rec)}`;
        first = false;
      }
      if (rows.length < 1000) {
        if (format === 'json') chunk += first ? '[]\n' : '\n]\n';
        done = true;
        if (chunk) controller.enqueue(enc.encode(chunk));
        controller.close();
        return;
      }
      before = rows[rows.length - 1].id;
      controller.enqueue(enc.encode(chunk));
    },
  });
  return new Response(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="console-audit.${format}"`,
      'cache-control': 'no-store',
    },
  });
}

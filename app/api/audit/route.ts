import { listAudit } from '@/lib/auth/audit';
import { apiUser } from '@/lib/server/api-auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** Lead only: the console audit trail as JSON (newest first); ?username=, ?before=<id>, ?limit= (≤ 5000). */
export async function GET(req: Request) {
  const who = await apiUser(req, 'lead');
  if ('response' in who) return who.response;
  const u = new URL(req.url);
  const rows = await listAudit((await getDb()).orm, {
    username: u.searchParams.get('username') || undefined,
    beforeId: Number(u.searchParams.get('before')) || undefined,
    limit: Number(u.searchParams.get('limit')) || 500,
  });
  return Response.json(
    { rows },
    { headers: u.searchParams.get('download') ? { 'content-disposition': 'attachment; filename="console-audit.json"' } : {} },
  );
}

export const dynamic = 'force-dynamic';

/** Liveness: the process answers. It says nothing about the database (that is /api/health/ready). */
export function GET() {
  return Response.json(
    { ok: true, pid: process.pid, uptimeSec: Math.round(process.uptime()) },
    { headers: { 'cache-control': 'no-store' } },
  );
}

import { migrationStatus } from '@/db/migrate';
import { isDraining } from '@/lib/bulk/jobs';
import { getDb } from '@/lib/server/db';
import { describeDatabaseError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

const TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  ]);
}

/**
 * Readiness for a load balancer: 200 only when this instance is not draining, the database
 * answers, and every migration on disk is applied unchanged; else 503 with the reason.
 */
export async function GET() {
  const headers = { 'cache-control': 'no-store' };
  if (isDraining())
    return Response.json(
      { ready: false, reason: 'draining', message: 'This instance is shutting down.' },
      { status: 503, headers },
    );
  try {
    const db = await within(getDb(), TIMEOUT_MS);
    const migrations = await within(migrationStatus(db), TIMEOUT_MS);
    const pending = migrations.filter((m) => !m.applied).map((m) => m.version);
    const drifted = migrations.filter((m) => m.drifted).map((m) => m.version);
    if (pending.length || drifted.length) {
      return Response.json(
        {
          ready: false,
          reason: 'migrations',
          pending,
          drifted,
          message: 'The database schema is not current; run npm run db:migrate.',
        },
        { status: 503, headers },
      );
    }
    return Response.json({ ready: true, database: db.kind }, { headers });
  } catch (err) {
    return Response.json(
      { ready: false, reason: 'database', message: describeDatabaseError(err) },
      { status: 503, headers },
    );
  }
}

import { migrationStatus } from '@/db/migrate';
import { getAutoInstantiateState, listLeakedGates } from '@/lib/queries/overview';
import { getDbState } from '@/lib/server/db';
import { apiUser } from '@/lib/server/api-auth';
import { describeDatabaseError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

/** Liveness for probes; the substrate's state only for a signed-in viewer or above. */
export async function GET(req: Request) {
  try {
    const { db, issues } = await getDbState();
    const who = await apiUser(req, 'viewer');
    if ('response' in who) return Response.json({ ok: true });
    const [migrations, autoInstantiate, leakedGates] = await Promise.all([
      migrationStatus(db),
      getAutoInstantiateState(db),
      listLeakedGates(db),
    ]);
    return Response.json({
      ok: true,
      database: { kind: db.kind, label: db.label },
      migrations: {
        applied: migrations.filter((m) => m.applied).map((m) => m.version),
        pending: migrations.filter((m) => !m.applied).map((m) => m.version),
        drifted: migrations.filter((m) => m.drifted).map((m) => m.version),
      },
      autoInstantiate: autoInstantiate.available,
      leakedGates,
      startupIssues: issues,
    });
  } catch (err) {
    return Response.json({ ok: false, error: describeDatabaseError(err) }, { status: 503 });
  }
}

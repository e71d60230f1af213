import { migrationStatus } from '@/db/migrate';
import { getAutoInstantiateState, listLeakedGates } from '@/lib/queries/overview';
import { describeDatabaseError, getDbState } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** Liveness and substrate state for scripts and probes. */
export async function GET() {
  try {
    const { db, issues } = await getDbState();
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

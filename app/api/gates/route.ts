import { readGates } from '@/lib/recipes';
import { describeDatabaseError, getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';

/** The iu_core gates as committed data shows them; polled by the gate-leak banner. */
export async function GET() {
  try {
    const gates = await readGates(await getDb());
    return Response.json({ gates, leaked: gates.filter((g) => g.open).map((g) => g.key) });
  } catch (err) {
    return Response.json({ error: describeDatabaseError(err) }, { status: 503 });
  }
}

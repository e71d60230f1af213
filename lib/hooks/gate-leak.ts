// A gate leak seen (an iu_core gate open in committed data) becomes the gate.leak event, at
// most once an hour per set of open gates (console_note_gate_leak, migration 053), whoever saw
// it: the gate-leak banner's poll (/api/gates) or the delivery loop's minute look.
import type { Database } from '@/db/client';
import { readGates } from '@/lib/recipes';

/** Records the sighting of these open gates; true when it was notified (not already within the hour). */
export async function noteGateLeak(db: Database, leaked: string[]): Promise<boolean> {
  if (leaked.length === 0) return false;
  const [r] = await db.query<{ told: boolean }>('SELECT console_note_gate_leak($1::text[]) AS told', [leaked]);
  return !!r?.told;
}

/** Reads the gates and notes any that are open. */
export async function noteGateLeaks(db: Database): Promise<boolean> {
  const gates = await readGates(db);
  return noteGateLeak(
    db,
    gates.filter((g) => g.open).map((g) => g.key),
  );
}

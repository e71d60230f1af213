// On the demo data (which places each operation back in its last 14 days after the recipes
// ran), the actors page's "Last active" and the summary's "First"/"Last" are the event log's
// own times: the rollups they read follow rows that move (049).
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '@/db/seed';
import { listActors } from '@/lib/queries/actors';
import { getSummary } from '@/lib/queries/summary';
import { useTestDatabase } from './helpers/db';

describe('the demo data on pglite', () => {
  const t = useTestDatabase('pglite');

  beforeAll(async () => {
    expect((await seedDemo(t.db)).seeded).toBe(true);
  }, 300_000);

  it("shows each actor's Last active as the time of their newest log row", async () => {
    const log = await t.db.query<{ triggered_by: string; first_at: Date; last_at: Date }>(
      'SELECT triggered_by, min(created_at) AS first_at, max(created_at) AS last_at FROM iu_auto_instantiate_event_log GROUP BY 1',
    );
    const actors = await listActors(t.db);
    expect(actors.length).toBe(log.length);
    for (const a of actors) {
      const l = log.find((x) => x.triggered_by === a.actor)!;
      expect(a.lastAt.toISOString(), a.actor).toBe(new Date(l.last_at).toISOString());
      expect(a.firstAt.toISOString(), a.actor).toBe(new Date(l.first_at).toISOString());
    }
    // the demo's newest operation is placed 20 minutes or more in the past, not at the time it ran
    expect(Math.max(...actors.map((a) => a.lastAt.getTime()))).toBeLessThan(Date.now() - 15 * 60_000);
  });

  it("shows the summary's First and Last as the log's own times for each type, mode and status", async () => {
    const log = await t.db.query<{
      event_type: string;
      emit_mode: string;
      status: string;
      first_at: Date;
      last_at: Date;
    }>(
      'SELECT event_type, emit_mode, status, min(created_at) AS first_at, max(created_at) AS last_at FROM iu_auto_instantiate_event_log GROUP BY 1, 2, 3',
    );
    const summary = await getSummary(t.db);
    expect(summary.length).toBe(log.length);
    for (const s of summary) {
      const l = log.find((x) => x.event_type === s.eventType && x.emit_mode === s.emitMode && x.status === s.status)!;
      expect([s.firstAt.toISOString(), s.lastAt.toISOString()]).toEqual([
        new Date(l.first_at).toISOString(),
        new Date(l.last_at).toISOString(),
      ]);
    }
  });
});

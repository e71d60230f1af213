// The console audit trail joins an actor's timeline: rows of that actor string, and a bare
// user's rows that name no actor, newest first, with their reasons.
import { describe, expect, it } from 'vitest';
import { auditTimelineSource, getActorTimeline } from '@/lib/queries/actors';
import { backends, useTestDatabase } from './helpers/db';

describe.each(backends())('actor timeline with the audit trail on $name', (backend) => {
  const t = useTestDatabase(backend);

  it('shows audit rows of the exact actor with their reasons, and nobody else’s', async () => {
    await t.db.exec(`
      INSERT INTO console_audit_log (started_at, username, role, recipe, mode, decision, status, summary, actor, reason) VALUES
        (now() - interval '3 minutes', 'alice', 'operator', 'instantiate_from_event', 'live', 'ok', 'ok', 'made one instance', 'alice', 'ticket OPS-1'),
        (now() - interval '2 minutes', 'alice', 'operator', 'instantiate_from_event', 'live', 'ok', 'ok', 'made one', 'alice:canary', 'canary run'),
        (now() - interval '1 minute',  'alice', 'viewer',   'rollback_by_actor', 'durable', 'denied', 'denied', '', NULL, NULL),
        (now() - interval '1 minute',  'bob',   'operator', 'instantiate_from_event', 'live', 'ok', 'ok', 'x', 'bob', 'other person')`);

    const bare = await getActorTimeline(t.db, 'alice', { sources: [auditTimelineSource] });
    const audit = bare.entries.filter((e) => e.kind === 'audit');
    expect(audit.map((e) => e.reason ?? null)).toEqual([null, 'ticket OPS-1']);
    expect(audit[0].title).toContain('denied');

    const tagged = await getActorTimeline(t.db, 'alice:canary', { sources: [auditTimelineSource] });
    expect(tagged.entries.filter((e) => e.kind === 'audit').map((e) => e.reason)).toEqual(['canary run']);

    const withoutSource = await getActorTimeline(t.db, 'alice');
    expect(withoutSource.entries.some((e) => e.kind === 'audit')).toBe(false);
  });
});

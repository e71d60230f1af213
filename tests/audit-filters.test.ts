// The audit page and its export filter the console audit trail the same way.
import { describe, expect, it } from 'vitest';
import { listAudit, parseAuditFilters, writeAudit, type AuditEntry } from '@/lib/auth/audit';
import { backends, useTestDatabase } from './helpers/db';

const base: AuditEntry = {
  startedAt: new Date('2026-11-20T10:00:00Z'),
  username: 'alice',
  role: 'operator',
  recipe: 'instantiate_from_event',
  params: {},
  mode: 'live',
  decision: 'ok',
  status: 'ok',
  summary: '',
  actor: 'alice',
  reason: 'ticket',
  ip: null,
  userAgent: null,
  committed: true,
};

describe('parseAuditFilters', () => {
  it('keeps known values and drops unknown modes, decisions, malformed days and ids', () => {
    const f = parseAuditFilters(
      new URLSearchParams('username=alice&mode=live&decision=nope&from=2026-11-01&to=11/02/2026&before=-3'),
    );
    expect(f).toEqual({
      username: 'alice',
      recipe: undefined,
      mode: 'live',
      decision: undefined,
      from: '2026-11-01',
      to: undefined,
      beforeId: undefined,
    });
  });
});

describe.each(backends())('listAudit on $name', (backend) => {
  const t = useTestDatabase(backend);

  it('filters by user, recipe, mode, decision and UTC day range, newest first, and pages by id', async () => {
    await writeAudit(t.db.orm, base);
    await writeAudit(t.db.orm, {
      ...base,
      startedAt: new Date('2026-11-21T23:59:00Z'),
      mode: 'preview',
      committed: false,
    });
    await writeAudit(t.db.orm, {
      ...base,
      startedAt: new Date('2026-11-22T00:01:00Z'),
      username: 'bob',
      actor: 'bob',
      decision: 'denied',
      status: 'denied',
    });
    await writeAudit(t.db.orm, {
      ...base,
      startedAt: new Date('2026-11-22T08:00:00Z'),
      recipe: 'rollback_by_actor',
      mode: 'durable',
    });

    const all = await listAudit(t.db.orm);
    expect(all.map((r) => r.startedAt.toISOString().slice(0, 16))).toEqual([
      '2026-11-22T08:00',
      '2026-11-22T00:01',
      '2026-11-21T23:59',
      '2026-11-20T10:00',
    ]);
    expect((await listAudit(t.db.orm, { username: 'bob' })).map((r) => r.decision)).toEqual(['denied']);
    expect((await listAudit(t.db.orm, { recipe: 'rollback_by_actor' })).map((r) => r.mode)).toEqual(['durable']);
    expect((await listAudit(t.db.orm, { mode: 'preview' })).length).toBe(1);
    expect((await listAudit(t.db.orm, { decision: 'denied' })).map((r) => r.username)).toEqual(['bob']);
    expect((await listAudit(t.db.orm, { from: '2026-11-21', to: '2026-11-21' })).map((r) => r.mode)).toEqual([
      'preview',
    ]);
    const page1 = await listAudit(t.db.orm, { limit: 2 });
    const page2 = await listAudit(t.db.orm, { limit: 2, beforeId: page1[1].id });
    expect([...page1, ...page2].map((r) => r.id)).toEqual(all.map((r) => r.id));
  });
});

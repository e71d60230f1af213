// Outbound webhooks (migration 053, lib/hooks) on each backend: the outbox rows are written
// with the audit row or the job's end, a receiver on a real port verifies each signature and
// sees the retry after a 500, a disabled hook gets nothing, and the lead's settings go through
// the wrapper (lower role, token, hostile input refused, each attempt audited, no secret in it).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import { listAudit, writeAudit } from '@/lib/auth/audit';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { deliverDue, deliveryBody } from '@/lib/hooks/deliver';
import { noteGateLeak, noteGateLeaks } from '@/lib/hooks/gate-leak';
import {
  hookCreateDefinition,
  hookDeleteDefinition,
  hookTestDefinition,
  hookUpdateDefinition,
} from '@/lib/hooks/hook-actions';
import { latestDeliveries, listHooks } from '@/lib/hooks/queries';
import { signBody, verifySignature } from '@/lib/hooks/signing';
import { backends, useTestDatabase } from './helpers/db';

process.env.IU_WEBHOOK_RETRY_BASE_MS = '50';
process.env.IU_WEBHOOK_TIMEOUT_MS = '2000';

const who = (username: string, role: Role | null, via?: Identity['via']): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: via ? 'token' : 'session',
  ...(via ? { via } : {}),
});
const lead = who('lena', 'lead');

interface Received {
  path: string;
  body: string;
  signature: string | undefined;
  event: string | undefined;
}

/** A receiver on a port of 3400-3449: answers each path's queued codes in turn, then 200. */
function receiver(port: number) {
  const got: Received[] = [];
  const codes = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({
        path: req.url ?? '',
        body,
        signature: req.headers['x-iu-signature'] as string | undefined,
        event: req.headers['x-iu-event'] as string | undefined,
      });
      const next = codes.get(req.url ?? '')?.shift() ?? 200;
      res.writeHead(next, { 'content-type': 'text/plain' });
      res.end(next === 200 ? 'thanks' : 'x'.repeat(5000));
    });
  });
  return {
    got,
    url: (p: string) => `http://127.0.0.1:${port}${p}`,
    answer: (p: string, ...c: number[]) => codes.set(p, c),
    start: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r())),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const ports = { pglite: 3411, postgres: 3412 } as const;

describe.each(backends())('webhooks on $name', (backend) => {
  const t = useTestDatabase(backend);
  const rx = receiver(ports[backend.name]);
  const caller = (identity: Identity | null): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const addHook = async (path: string, over: Record<string, unknown> = {}) => {
    const r = await executeAuthorized(hookCreateDefinition, caller(lead), {
      name: `hook ${path}`,
      url: rx.url(path),
      events: ['apply.succeeded', 'apply.failed', 'job.cancelled', 'gate.leak'],
      enabled: true,
      ...over,
    });
    if (!r.ok) throw new Error(r.message);
    return r.result;
  };
  const liveAudit = (over: Partial<Parameters<typeof writeAudit>[1]> = {}) =>
    writeAudit(t.db.orm, {
      startedAt: new Date(),
      username: 'olga',
      role: 'operator',
      recipe: 'instantiate-from-event',
      params: {},
      mode: 'live',
      decision: 'ok',
      status: 'ok',
      summary: 'made inst:x/y',
      actor: 'olga',
      reason: 'canary',
      ip: null,
      userAgent: null,
      committed: true,
      ...over,
    });
  /** Delivery rounds until nothing is pending (waiting out the short backoff). */
  const drain = async () => {
    for (let i = 0; i < 40; i++) {
      await deliverDue(t.db);
      const [p] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM console_webhook_delivery WHERE status IN ('pending', 'delivering')",
      );
      if (p.n === 0) return;
      await new Promise((r) => setTimeout(r, 60));
    }
    throw new Error('deliveries still pending');
  };

  beforeAll(() => rx.start());
  afterAll(() => rx.stop());

  it('signs each delivery, retries after a 500, then succeeds; the log shows both attempts', async () => {
    const hook = await addHook('/retry');
    expect(hook.secret).toMatch(/^whsec_/);
    rx.answer('/retry', 500);
    const auditId = await liveAudit();
    // the outbox row was written with the audit row
    const [pending] = await latestDeliveries(t.db);
    expect(pending).toMatchObject({ hookId: hook.id, event: 'apply.succeeded', status: 'pending', attempts: 0 });
    await drain();
    const mine = rx.got.filter((g) => g.path === '/retry');
    expect(mine).toHaveLength(2);
    for (const g of mine) {
      expect(verifySignature(hook.secret!, g.body, g.signature)).toBe(true);
      expect(verifySignature('whsec_wrong', g.body, g.signature)).toBe(false);
      expect(g.event).toBe('apply.succeeded');
    }
    expect(mine[0].body).toBe(mine[1].body);
    expect(JSON.parse(mine[1].body)).toMatchObject({
      event: 'apply.succeeded',
      audit: { id: auditId, recipe: 'instantiate-from-event', mode: 'live', decision: 'ok', username: 'olga' },
    });
    const [d] = (await latestDeliveries(t.db)).filter((x) => x.hookId === hook.id);
    expect(d).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      responseCode: 200,
      error: null,
      responseExcerpt: 'thanks',
    });
    const [h] = await t.db.query<{ history: { code: number }[] }>(
      'SELECT history FROM console_webhook_delivery WHERE id = $1',
      [d.id],
    );
    expect(h.history.map((x) => x.code)).toEqual([200, 500]);
    await executeAuthorized(hookDeleteDefinition, caller(lead), { id: hook.id });
  });

  it('gives up after the last attempt and keeps only a short excerpt of the answer', async () => {
    process.env.IU_WEBHOOK_MAX_ATTEMPTS = '3';
    try {
      const hook = await addHook('/down');
      rx.answer('/down', 503, 503, 503, 503);
      await liveAudit({ decision: 'error', status: 'error', committed: false });
      await drain();
      const [d] = (await latestDeliveries(t.db)).filter((x) => x.hookId === hook.id);
      expect(d).toMatchObject({ event: 'apply.failed', status: 'failed', attempts: 3, responseCode: 503 });
      expect(d.error).toMatch(/answered 503\. Gave up after 3 attempts/);
      expect(d.responseExcerpt!.length).toBeLessThanOrEqual(201);
      await executeAuthorized(hookDeleteDefinition, caller(lead), { id: hook.id });
    } finally {
      delete process.env.IU_WEBHOOK_MAX_ATTEMPTS;
    }
  });

  it('sends nothing to a disabled hook, nor for an event it did not choose, nor for a preview', async () => {
    const off = await addHook('/off', { enabled: false });
    const picky = await addHook('/picky', { events: ['break_glass'] });
    const before = rx.got.length;
    await liveAudit();
    await liveAudit({ mode: 'preview', committed: false });
    await drain();
    expect(rx.got.length).toBe(before);
    const mine = (await latestDeliveries(t.db)).filter((x) => x.hookId === off.id || x.hookId === picky.id);
    expect(mine).toEqual([]);
    // disabled after the event was enqueued: skipped, not sent
    const on = await addHook('/late');
    await liveAudit();
    const upd = await executeAuthorized(hookUpdateDefinition, caller(lead), {
      id: on.id,
      name: on.name,
      url: on.url,
      events: on.events,
      enabled: false,
    });
    expect(upd.ok).toBe(true);
    await drain();
    expect(rx.got.length).toBe(before);
    const [late] = (await latestDeliveries(t.db)).filter((x) => x.hookId === on.id);
    expect(late).toMatchObject({ status: 'skipped', attempts: 0 });
    // the test button refuses a disabled hook
    const test = await executeAuthorized(hookTestDefinition, caller(lead), { id: off.id });
    expect(test).toMatchObject({ ok: false, decision: 'invalid' });
    expect(test.ok || test.message).toMatch(/disabled/);
    for (const id of [off.id, picky.id, on.id]) await executeAuthorized(hookDeleteDefinition, caller(lead), { id });
  });

  it('tells a bulk job cancelled, a gate leak once an hour, and a test; Slack hooks get {text}', async () => {
    const hook = await addHook('/slack', { slack: true });
    await t.db.query(
      `INSERT INTO console_bulk_job (id, username, actor, mode, status, total) VALUES ($1, 'olga', 'olga', 'live', 'running', 5)`,
      ['00000000-0000-4000-8000-000000000001'],
    );
    await t.db.query(`UPDATE console_bulk_job SET done = 2 WHERE id = $1`, ['00000000-0000-4000-8000-000000000001']);
    await t.db.query(`UPDATE console_bulk_job SET status = 'cancelled', message = 'Cancelled by lena' WHERE id = $1`, [
      '00000000-0000-4000-8000-000000000001',
    ]);
    // a leak seen in committed data (as the banner's poll or the loop sees it), told once an hour
    await t.db.query("UPDATE dot_config SET value = 'true' WHERE key = 'iu_core.composer_enabled'");
    try {
      expect(await noteGateLeaks(t.db)).toBe(true);
      expect(await noteGateLeak(t.db, ['iu_core.composer_enabled'])).toBe(false);
    } finally {
      await t.db.query("UPDATE dot_config SET value = 'false' WHERE key = 'iu_core.composer_enabled'");
    }
    expect(await noteGateLeaks(t.db)).toBe(false);
    const test = await executeAuthorized(hookTestDefinition, caller(lead), { id: hook.id });
    expect(test.ok).toBe(true);
    await drain();
    const mine = rx.got.filter((g) => g.path === '/slack');
    // posted side by side: any order
    expect(mine.map((g) => g.event).sort()).toEqual(['gate.leak', 'job.cancelled', 'test']);
    for (const g of mine) {
      expect(Object.keys(JSON.parse(g.body))).toEqual(['text']);
      expect(verifySignature(hook.secret!, g.body, g.signature)).toBe(true);
    }
    const cancelled = mine.find((g) => g.event === 'job.cancelled')!;
    expect(JSON.parse(cancelled.body).text).toMatch(/Bulk job cancelled: Cancelled by lena/);
    await executeAuthorized(hookDeleteDefinition, caller(lead), { id: hook.id });
  });

  it('refuses bad settings with a sentence, lower roles and tokens; audits each attempt without the secret', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ url: 'ftp://example.com/x' }, /http:\/\/ or https:\/\//],
      [{ url: 'javascript:alert(1)' }, /http:\/\/ or https:\/\//],
      [{ url: 'http://user:pw@example.com/' }, /without a user name or password/],
      [{ url: `http://example.com/${'a'.repeat(3000)}` }, /at most 2000/],
      [{ url: 42 }, /must be text/],
      [{ events: [] }, /at least one event/],
      [{ events: ['apply.succeeded', 'everything'] }, /Each event is one of/],
      [{ events: { a: 1 } }, /list of/],
      [{ name: 'a\u0000b' }, /./],
      [{ name: 'x'.repeat(200) }, /at most 80/],
    ];
    for (const [over, why] of bad) {
      const before = (await listHooks(t.db)).length;
      const r = await executeAuthorized(hookCreateDefinition, caller(lead), {
        name: 'bad',
        url: rx.url('/bad'),
        events: ['apply.succeeded'],
        ...over,
      });
      expect(r).toMatchObject({ ok: false, decision: 'invalid' });
      expect(r.ok || r.message).toMatch(why);
      expect((await listHooks(t.db)).length).toBe(before);
    }
    const input = { name: 'x', url: rx.url('/x'), events: 'apply.succeeded' };
    for (const identity of [who('olga', 'operator'), who('vic', 'viewer')]) {
      const r = await executeAuthorized(hookCreateDefinition, caller(identity), input);
      expect(r).toMatchObject({ ok: false, decision: 'denied' });
    }
    const viaToken = await executeAuthorized(
      hookCreateDefinition,
      caller(who('lena', 'operator', { kind: 'token', id: 1, name: 'ci', prefix: 'iuc_abcdefgh', scope: 'operate' })),
      input,
    );
    expect(viaToken).toMatchObject({ ok: false, decision: 'denied' });
    expect(viaToken.ok || viaToken.message).toMatch(/token acts at most as an operator/);
    expect(await executeAuthorized(hookCreateDefinition, caller(null), input)).toMatchObject({
      decision: 'unauthenticated',
    });
    const missing = await executeAuthorized(hookDeleteDefinition, caller(lead), { id: 999999 });
    expect(missing.ok || missing.message).toMatch(/no webhook with id 999999/);
    // the made hook's audit row names the URL and events, never the secret
    const made = await addHook('/audited');
    const [row] = await listAudit(t.db.orm, { recipe: 'webhook_create', decision: 'ok', limit: 1 });
    expect(row.summary).toContain(rx.url('/audited'));
    expect(JSON.stringify(row)).not.toContain(made.secret!);
    const denied = await listAudit(t.db.orm, { recipe: 'webhook_create', decision: 'denied' });
    expect(denied.length).toBe(3);
    expect(denied.some((d) => d.via === 'token "ci" (iuc_abcdefgh…, operate)')).toBe(true);
  });

  it('signs the Stripe-like way, and refuses an old or altered signature', () => {
    const sig = signBody('whsec_k', '{"a":1}', 1_700_000_000);
    expect(sig).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_k', '{"a":1}', sig, 300, 1_700_000_100)).toBe(true);
    expect(verifySignature('whsec_k', '{"a":2}', sig, 300, 1_700_000_100)).toBe(false);
    expect(verifySignature('whsec_k', '{"a":1}', sig, 300, 1_700_001_000)).toBe(false);
    expect(deliveryBody({ id: 7, event: 'test', payload: { summary: 's' } }, false)).toBe(
      '{"id":7,"summary":"s","event":"test"}',
    );
  });
});

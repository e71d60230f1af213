// The approval routes attacked the way a browser or script would, through proxy.ts and each
// route's own handler, on PGlite and PostgreSQL: another site, signed out, a lower role, your
// own request, another person's plan, an expired plan, NUL, wrong types and a huge body.
import { beforeAll, describe, expect, it } from 'vitest';
import * as listRoute from '@/app/api/approvals/route';
import * as countRoute from '@/app/api/approvals/count/route';
import * as detailRoute from '@/app/api/approvals/[id]/route';
import * as approveRoute from '@/app/api/approvals/[id]/approve/route';
import * as rejectRoute from '@/app/api/approvals/[id]/reject/route';
import * as recheckRoute from '@/app/api/approvals/[id]/recheck/route';
import * as applyRoute from '@/app/api/approvals/[id]/apply/route';
import * as policyRoute from '@/app/api/approvals/policy/route';
import * as needRoute from '@/app/api/approvals/plans/[planId]/route';
import * as recipesRoute from '@/app/api/recipes/[recipe]/route';
import { backends, useTestDatabase } from './helpers/db';
import { ORIGIN, pointConsoleAt, send, signedIn, type RouteRef } from './helpers/console';
import { makeTemplate, uniq, type Template } from './helpers/substrate';

const JSON_HEADERS = { origin: ORIGIN, 'content-type': 'application/json' };
const at = (mod: RouteRef['mod'], path: string, params?: Record<string, string>): RouteRef => ({ mod, path, params });
const LIST = at(listRoute, '/api/approvals');
const byId = (mod: RouteRef['mod'], id: number | string, tail = '') =>
  at(mod, `/api/approvals/${id}${tail}`, { id: String(id) });

describe.each(backends())('approval routes on $name', (backend) => {
  const t = useTestDatabase(backend, { approvalPolicy: true });
  let tpl: Template;
  const cookies: Record<string, string> = {};
  const post = (route: RouteRef, who: string, body: unknown, headers: Record<string, string> = JSON_HEADERS) =>
    send(route, 'POST', {
      cookie: cookies[who] ?? '',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (route: RouteRef, who: string, query = '') => send(route, 'GET', { cookie: cookies[who] ?? '', query });
  const bulk = (n: number) => ({
    templateCollectionId: tpl.id,
    eventType: 'bulk.api',
    n,
    uuidPrefix: '25000d00-',
    batchTag: uniq('api'),
    emitMode: 'live',
  });
  /** olga previews a live bulk of 4 (the policy asks from 3) and requests approval for its plan. */
  const requested = async () => {
    const input = bulk(4);
    const pre = await post(at(recipesRoute, '/api/recipes/bulk-scale-out', { recipe: 'bulk-scale-out' }), 'olga', {
      ...input,
      preview: true,
    });
    const preview = await pre.json();
    expect(preview.approval).toMatchObject({ minRole: 'operator', requestId: null });
    const res = await post(LIST, 'olga', { planId: preview.plan.id, reason: 'wave of four' });
    expect(res.status, await res.clone().text()).toBe(200);
    return { input, planId: preview.plan.id as number, requestId: (await res.json()).result.requestId as number };
  };

  beforeAll(async () => {
    pointConsoleAt(t.db);
    tpl = await makeTemplate(t.db, { pieces: 1 });
    for (const [name, role] of [
      ['hana', 'lead'],
      ['lars', 'lead'],
      ['olga', 'operator'],
      ['omar', 'operator'],
      ['vera', 'viewer'],
    ] as const)
      cookies[name] = await signedIn(t.db, name, role);
    const policy = await post(at(policyRoute, '/api/approvals/policy'), 'hana', {
      recipe: 'bulk_scale_out',
      mode: 'live',
      required: true,
      approvers: 1,
      minRole: 'operator',
      condition: 'bulk_items_at_least',
      threshold: 3,
      reason: 'small batches for the route tests',
    });
    expect(policy.status, await policy.clone().text()).toBe(200);
  });

  it('refuses another site, a form body and a huge body before any handler runs', async () => {
    expect(
      (
        await post(
          LIST,
          'olga',
          { planId: 1, reason: 'x' },
          { origin: 'https://evil.example', 'content-type': 'application/json' },
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await post(LIST, 'olga', 'planId=1&reason=x', {
          origin: ORIGIN,
          'content-type': 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    expect(
      (await post(byId(approveRoute, 1, '/approve'), 'lars', { reason: 'x'.repeat(2 * 1024 * 1024) })).status,
    ).toBe(413);
  });

  it('answers a signed-out request 401 and a viewer 403, with a sentence', async () => {
    const out = await post(LIST, 'nobody', { planId: 1, reason: 'x' });
    expect(out.status).toBe(401);
    expect((await out.json()).message).toBe('You are signed out; sign in and try again.');
    expect((await get(LIST, 'nobody')).status).toBe(401);
    expect((await get(LIST, 'vera')).status).toBe(403);
    const viewer = await post(byId(approveRoute, 1, '/approve'), 'vera', { reason: 'x' });
    expect(viewer.status).toBe(403);
    expect((await viewer.json()).message).toContain('Your role (viewer) cannot do this');
  });

  it('runs the whole request: no self-approval, no request for another person’s plan, approve, apply as a job', async () => {
    const { input, planId, requestId } = await requested();
    const theirs = await post(LIST, 'omar', { planId, reason: 'mine now' });
    expect(theirs.status).toBe(409);
    expect((await theirs.json()).status).toBe('plan_required');
    expect(
      await (
        await get(at(needRoute, `/api/approvals/plans/${planId}`, { planId: String(planId) }), 'omar')
      ).status,
    ).toBe(404);

    const own = await post(byId(approveRoute, requestId, '/approve'), 'olga', { reason: 'trust me' });
    expect(own.status).toBe(403);
    expect((await own.json()).message).toContain('nobody approves or rejects their own request');
    expect((await (await get(at(countRoute, '/api/approvals/count'), 'omar')).json()).count).toBeGreaterThanOrEqual(1);
    expect((await (await get(at(countRoute, '/api/approvals/count'), 'olga')).json()).count).toBe(0);

    const early = await post(byId(applyRoute, requestId, '/apply'), 'olga', {
      reason: 'go',
      confirmText: input.batchTag,
    });
    expect(early.status).toBe(409);
    expect((await early.json()).result.status).toBe('approval_pending');

    const look = await post(byId(recheckRoute, requestId, '/recheck'), 'omar', {});
    expect(look.status).toBe(200);
    expect(await look.json()).toMatchObject({ ok: true, drift: null });
    const ok = await post(byId(approveRoute, requestId, '/approve'), 'omar', { reason: 'no drift' });
    expect(ok.status).toBe(200);
    const detail = await (await get(byId(detailRoute, requestId), 'olga')).json();
    expect(detail).toMatchObject({
      request: { status: 'approved', approvers: ['omar'] },
      mine: true,
      confirmText: input.batchTag,
    });

    const stolen = await post(byId(applyRoute, requestId, '/apply'), 'omar', {
      reason: 'mine',
      confirmText: input.batchTag,
    });
    expect(stolen.status).toBe(409);
    expect((await stolen.json()).result.status).toBe('plan_required');
    const run = await post(byId(applyRoute, requestId, '/apply'), 'olga', {
      reason: 'go',
      confirmText: input.batchTag,
    });
    expect(run.status, await run.clone().text()).toBe(202);
    expect((await run.json()).jobId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses to approve an expired plan and a request that was rejected', async () => {
    const a = await requested();
    await t.db.query(`UPDATE console_plan SET expires_at = created_at + interval '1 millisecond' WHERE id = $1`, [
      a.planId,
    ]);
    const late = await post(byId(approveRoute, a.requestId, '/approve'), 'omar', { reason: 'ok' });
    expect(late.status).toBe(409);
    expect((await late.json()).status).toBe('plan_expired');
    const b = await requested();
    expect((await post(byId(rejectRoute, b.requestId, '/reject'), 'omar', { reason: 'too big today' })).status).toBe(
      200,
    );
    const after = await post(byId(approveRoute, b.requestId, '/approve'), 'lars', { reason: 'ok' });
    expect(after.status).toBe(409);
    expect((await after.json()).status).toBe('approval_closed');
  });

  it('refuses NUL, wrong types and unknown ids with a sentence, never a 500', async () => {
    for (const [id, body] of [
      ['1', { reason: 'a\u0000b' }],
      ['abc', { reason: 'ok' }],
      ['1', { reason: ['x'] }],
      ['1', { reason: 5 }],
    ] as const) {
      const res = await post(byId(approveRoute, id, '/approve'), 'lars', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await res.json()).message).toMatch(/refused and nothing was run/);
    }
    const notJson = await post(LIST, 'olga', '{"planId":', JSON_HEADERS);
    expect(notJson.status).toBe(422);
    const missing = await post(byId(approveRoute, 987654, '/approve'), 'lars', { reason: 'ok' });
    expect(missing.status).toBe(404);
    expect((await get(byId(detailRoute, 'x\u0000'), 'lars')).status).toBe(404);
    expect((await get(LIST, 'lars', '?status=bogus')).status).toBe(400);
  });
});

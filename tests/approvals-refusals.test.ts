// Every refusal of the approval steps is audited, on PGlite and PostgreSQL, through proxy.ts and
// each route's own handler: applying or re-checking a request that does not exist (or an id
// that is no number) is refused by the wrapper like any other refusal, with a sentence, the
// right status and one audit row (approval_apply / approval_recheck); a lower role is denied
// with its row; a signed-out caller is told to sign in (no row: nobody to name); nothing else
// is written. Reads (GET) are not audited, as no read is.
import { beforeAll, describe, expect, it } from 'vitest';
import { executeAuthorized } from '@/lib/auth/authorize';
import * as detailRoute from '@/app/api/approvals/[id]/route';
import * as approveRoute from '@/app/api/approvals/[id]/approve/route';
import * as recheckRoute from '@/app/api/approvals/[id]/recheck/route';
import * as applyRoute from '@/app/api/approvals/[id]/apply/route';
import { applyRequest } from '@/lib/approvals/apply';
import { missingRequestDefinition } from '@/lib/approvals/missing-request';
import { recheckRequest } from '@/lib/approvals/recheck';
import { backends, useTestDatabase } from './helpers/db';
import { ORIGIN, pointConsoleAt, send, signedIn, type RouteRef } from './helpers/console';
import { count } from './helpers/substrate';
import { auditRowsSince, lastAuditId } from './helpers/audit-rows';

const JSON_HEADERS = { origin: ORIGIN, 'content-type': 'application/json' };
const byId = (mod: RouteRef['mod'], id: string, tail = ''): RouteRef => ({
  mod,
  path: `/api/approvals/${encodeURIComponent(id)}${tail}`,
  params: { id },
});
const NO_SUCH = 'There is no approval request #987654; check the number on /approvals.';

describe.each(backends())('approval refusals on $name', (backend) => {
  const t = useTestDatabase(backend, { approvalPolicy: true });
  const cookies: Record<string, string> = {};
  const post = (route: RouteRef, who: string, body: unknown) =>
    send(route, 'POST', { cookie: cookies[who] ?? '', headers: JSON_HEADERS, body: JSON.stringify(body) });
  const lastId = () => lastAuditId(t.db);
  const rowsSince = (id: number) => auditRowsSince(t.db, id);
  const untouched = async () => ({
    requests: await count(t.db, 'console_approval_request'),
    decisions: await count(t.db, 'console_approval_decision'),
    plans: await count(t.db, 'console_plan'),
    jobs: await count(t.db, 'console_bulk_job'),
  });

  beforeAll(async () => {
    pointConsoleAt(t.db);
    cookies.olga = await signedIn(t.db, 'olga', 'operator');
    cookies.lars = await signedIn(t.db, 'lars', 'lead');
    cookies.vera = await signedIn(t.db, 'vera', 'viewer');
  });

  it('refuses an apply of an unknown request with 404 and a sentence, and audits it like every refusal', async () => {
    const before = await untouched();
    const since = await lastId();
    const res = await post(byId(applyRoute, '987654', '/apply'), 'olga', { reason: 'go', confirmText: 'x' });
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body).toMatchObject({ ok: false, result: { decision: 'refused', status: 'not_found', committed: false } });
    expect(body.result.message).toBe(NO_SUCH);
    expect(body.result.auditId).toEqual(expect.any(Number));
    const rows = await rowsSince(since);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      username: 'olga',
      role: 'operator',
      recipe: 'approval_apply',
      mode: 'admin',
      decision: 'refused',
      status: 'not_found',
      reason: 'go',
      params: { requestId: 987654 },
    });
    expect(rows[0].summary).toBe(`not_found: ${NO_SUCH}`);
    expect(await untouched()).toEqual(before);
  });

  it('refuses a re-check of an unknown request with 404, audited as a preview', async () => {
    const since = await lastId();
    const res = await post(byId(recheckRoute, '987654', '/recheck'), 'lars', {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false, status: 'not_found', decision: 'refused', message: NO_SUCH });
    expect(await rowsSince(since)).toEqual([
      expect.objectContaining({
        username: 'lars',
        recipe: 'approval_recheck',
        mode: 'preview',
        decision: 'refused',
        status: 'not_found',
      }),
    ]);
  });

  it('refuses an id that is no number with 422 and the sentence for an id, audited', async () => {
    const since = await lastId();
    for (const [route, tail] of [
      [applyRoute, '/apply'],
      [recheckRoute, '/recheck'],
      [approveRoute, '/approve'],
    ] as const) {
      const res = await post(byId(route, 'abc', tail), 'lars', { reason: 'checked', confirmText: 'x' });
      expect(res.status, tail).toBe(422);
      const body = await res.json();
      expect(JSON.stringify(body), tail).toContain('The request id must be a number such as 12.');
    }
    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.recipe, r.decision, r.status])).toEqual([
      ['approval_apply', 'invalid', 'invalid_input'],
      ['approval_recheck', 'invalid', 'invalid_input'],
      ['approval_approved', 'invalid', 'invalid_input'],
    ]);
    expect(rows.every((r) => r.params.requestId === 'abc')).toBe(true);
  });

  it('denies a viewer with 403 and a row, and tells a signed-out caller to sign in without one', async () => {
    const since = await lastId();
    const viewer = await post(byId(applyRoute, '987654', '/apply'), 'vera', { reason: 'go' });
    expect(viewer.status).toBe(403);
    expect((await viewer.json()).result.message).toMatch(/Your role \(viewer\) cannot do this; it needs operator/);
    const look = await post(byId(recheckRoute, '987654', '/recheck'), 'vera', {});
    expect(look.status).toBe(403);
    expect((await rowsSince(since)).map((r) => [r.username, r.recipe, r.decision])).toEqual([
      ['vera', 'approval_apply', 'denied'],
      ['vera', 'approval_recheck', 'denied'],
    ]);

    const mark = await lastId();
    for (const [route, tail] of [
      [applyRoute, '/apply'],
      [recheckRoute, '/recheck'],
    ] as const) {
      const res = await post(byId(route, '987654', tail), 'nobody', { reason: 'go' });
      expect(res.status, tail).toBe(401);
      expect(JSON.stringify(await res.json()), tail).toContain('You are signed out; sign in and try again.');
    }
    expect(await rowsSince(mark)).toEqual([]);
  });

  it('does not audit a read: GET of an unknown request is a 404 with a sentence and no row', async () => {
    const since = await lastId();
    const res = await send(byId(detailRoute, '987654'), 'GET', { cookie: cookies.lars });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/There is no such approval request; check the number on \/approvals/);
    expect(await rowsSince(since)).toEqual([]);
  });

  it('the same refusals from the CLI path: the wrapper records each with role cli', async () => {
    const cli = {
      db: t.db,
      identity: {
        userId: 'cli',
        username: 'olga',
        role: 'lead' as const,
        mustChangePassword: false,
        source: 'session' as const,
      },
      request: { ip: 'cli', userAgent: 'iu-cli (test)' },
      auditRole: 'cli',
    };
    const since = await lastId();
    const applied = await applyRequest(cli, '987654', { reason: 'go', confirmText: 'x' });
    expect(applied).toMatchObject({ ok: false, result: { status: 'not_found', message: NO_SUCH } });
    const looked = await recheckRequest(cli, 987654);
    expect(looked).toMatchObject({ ok: false, status: 'not_found', message: NO_SUCH });
    const zero = await applyRequest(cli, '0', { reason: 'go' });
    expect(zero).toMatchObject({ ok: false, result: { status: 'invalid_input' } });
    expect((await rowsSince(since)).map((r) => [r.recipe, r.role, r.status])).toEqual([
      ['approval_apply', 'cli', 'not_found'],
      ['approval_recheck', 'cli', 'not_found'],
      ['approval_apply', 'cli', 'invalid_input'],
    ]);
    // the same wrapper answers a caller with nobody signed in, and records nothing
    const mark = await lastId();
    const nobody = await executeAuthorized(
      missingRequestDefinition('approval_apply'),
      { ...cli, identity: null },
      {
        requestId: 1,
      },
    );
    expect(nobody).toMatchObject({ decision: 'unauthenticated', auditId: null });
    expect(await rowsSince(mark)).toEqual([]);
  });
});

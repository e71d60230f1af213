// One table of hostile requests, run against every route handler under app/api on each
// backend, the way the console serves them: proxy.ts first, then the route file's own export,
// over the process-wide database and better-auth instance, with a lead's real session cookie.
// Each answer must be the expected 4xx with a sentence in a JSON body (never a 500, an empty
// body or a dropped connection); an attempt the authorized-action wrapper saw must leave its
// audit row, whatever characters it held. The chunked 2 MB body, which only server.ts can
// refuse, is sent over a real socket at the end.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '@/lib/auth/audit';
import { limitRequestBody, refuseForeignRequest } from '@/lib/http/body-limit';
import { MAX_BODY_BYTES } from '@/lib/http/request-guard';
import * as recipesRoute from '@/app/api/recipes/[recipe]/route';
import * as bulkJobsRoute from '@/app/api/bulk/jobs/route';
import * as bulkJobRoute from '@/app/api/bulk/jobs/[id]/route';
import * as bulkItemsRoute from '@/app/api/bulk/jobs/[id]/items/route';
import * as bulkCancelRoute from '@/app/api/bulk/jobs/[id]/cancel/route';
import * as authRoute from '@/app/api/auth/[...all]/route';
import * as auditRoute from '@/app/api/audit/route';
import * as eventsExportRoute from '@/app/api/events/export/route';
import * as gatesRoute from '@/app/api/gates/route';
import * as healthRoute from '@/app/api/health/route';
import * as activityRoute from '@/app/api/activity/version/route';
import { backends, useTestDatabase } from './helpers/db';
import {
  ORIGIN,
  pointConsoleAt,
  send as sendAs,
  signedIn,
  signInCookie,
  type RouteRef,
  type SendInit,
} from './helpers/console';
import { makeTemplate, uuid, type Template } from './helpers/substrate';

const LEAD = { username: 'hana', password: 'hana-own-password-1' };

interface Route extends RouteRef {
  name: string;
  /** Goes through executeAuthorized, so every attempt leaves an audit row. */
  audited: boolean;
  /** A body the schema would otherwise consider, with the field a hostile value goes into. */
  body: () => Record<string, unknown>;
  field: string;
}

let tpl: Template;
const MUTATING: Route[] = [
  {
    name: 'instantiate',
    path: '/api/recipes/instantiate-from-event',
    mod: recipesRoute,
    params: { recipe: 'instantiate-from-event' },
    audited: true,
    field: 'eventType',
    body: () => ({
      eventId: uuid(),
      eventType: 'template.published',
      templateCollectionId: tpl.id,
      uniqueSuffix: 'h1',
      emitMode: 'dry_run',
      preview: true,
    }),
  },
  {
    name: 'compose',
    path: '/api/recipes/compose-template-version',
    mod: recipesRoute,
    params: { recipe: 'compose-template-version' },
    audited: true,
    field: 'title',
    body: () => ({
      family: 'hostile',
      title: 'T',
      label: 'L',
      pieces: [{ role: 'intro', newPiece: { canonicalAddress: 'a/b', title: 't', body: 'b' } }],
      preview: true,
    }),
  },
  {
    name: 'bulk recipe',
    path: '/api/recipes/bulk-scale-out',
    mod: recipesRoute,
    params: { recipe: 'bulk-scale-out' },
    audited: true,
    field: 'batchTag',
    body: () => ({
      templateCollectionId: tpl.id,
      n: 2,
      uuidPrefix: '25000b00-',
      batchTag: 'hb',
      emitMode: 'dry_run',
      preview: true,
    }),
  },
  {
    name: 'rollback',
    path: '/api/recipes/rollback-by-actor',
    mod: recipesRoute,
    params: { recipe: 'rollback-by-actor' },
    audited: true,
    field: 'targetActor',
    body: () => ({ targetActor: 'nobody:h', durable: false }),
  },
  {
    name: 'close gates',
    path: '/api/recipes/close-all-gates',
    mod: recipesRoute,
    params: { recipe: 'close-all-gates' },
    audited: true,
    field: 'reason',
    body: () => ({ reason: 'hostile input table' }),
  },
  {
    name: 'bulk job',
    path: '/api/bulk/jobs',
    mod: bulkJobsRoute,
    audited: true,
    field: 'batchTag',
    body: () => ({
      templateCollectionId: tpl.id,
      n: 2,
      uuidPrefix: '25000b00-',
      batchTag: 'hj',
      emitMode: 'dry_run',
      preview: true,
    }),
  },
  {
    name: 'cancel',
    path: `/api/bulk/jobs/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/cancel`,
    mod: bulkCancelRoute,
    params: { id: `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}` },
    audited: false,
    field: 'reason',
    body: () => ({ reason: 'stop' }),
  },
  {
    name: 'sign-out',
    path: '/api/auth/sign-out',
    mod: authRoute,
    params: { all: ['sign-out'] },
    audited: false,
    field: 'x',
    body: () => ({}),
  },
  {
    name: 'sign-in',
    path: '/api/auth/sign-in/username',
    mod: authRoute,
    params: { all: ['sign-in', 'username'] },
    audited: false,
    field: 'username',
    body: () => ({ username: 'nobody', password: 'wrong-password-1' }),
  },
];

/** The hostile values a string field is sent; every one must be refused with 422 by a wrapped route. */
const HOSTILE_VALUES: [string, unknown][] = [
  ['a NUL', 'tem\u0000plate'],
  ['a bell', 'a\u0007b'],
  ['an escape sequence', '\u001b[31mred'],
  ['a DEL', 'x\u007f'],
  ['a C1 control', 'x\u0085y'],
  ['half a surrogate pair', 'x\ud800y'],
  ['a huge string', 'x'.repeat(200_000)],
  ['an array', ['template.published']],
  ['a boolean', true],
  ['an object', { toString: 'x' }],
  ['a number', 5],
  ['null', null],
];

/** Request-level cases: status and whether the wrapper (and so the audit trail) sees them. */
const HOSTILE_REQUESTS: {
  what: string;
  headers: Record<string, string>;
  body: (r: Route) => string | undefined;
  status: number;
}[] = [
  {
    what: 'another site (Origin)',
    headers: { origin: 'http://localhost:3299', 'content-type': 'application/json' },
    body: (r) => JSON.stringify(r.body()),
    status: 403,
  },
  {
    what: 'another site (Referer only)',
    headers: { referer: 'http://127.0.0.1:3299/x', 'content-type': 'application/json' },
    body: (r) => JSON.stringify(r.body()),
    status: 403,
  },
  {
    what: 'a text/plain form',
    headers: { origin: ORIGIN, 'content-type': 'text/plain' },
    body: (r) => `${JSON.stringify(r.body())}`,
    status: 415,
  },
  {
    what: 'an urlencoded form',
    headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: () => 'reason=x&durable=true',
    status: 415,
  },
  { what: 'a body without a type', headers: { origin: ORIGIN }, body: (r) => JSON.stringify(r.body()), status: 415 },
  {
    what: 'a 2 MB body',
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    body: () => JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) }),
    status: 413,
  },
];

function sentenceOf(json: unknown): string {
  const j = json as { error?: string; message?: string; result?: { message?: string } } | null;
  return j?.error ?? j?.message ?? j?.result?.message ?? '';
}

describe.each(backends())('hostile input on $name', (backend) => {
  const t = useTestDatabase(backend);
  let cookie = '';

  const send = (route: RouteRef, method: string, init: SendInit = {}) => sendAs(route, method, { cookie, ...init });
  const auditCount = async () => (await listAudit(t.db.orm, { username: LEAD.username, limit: 5000 })).length;

  beforeAll(async () => {
    pointConsoleAt(t.db);
    tpl = await makeTemplate(t.db);
    cookie = await signedIn(t.db, LEAD.username, 'lead', LEAD.password);
    expect(cookie).toMatch(/session_token=/);
  });

  it('runs a clean preview through the same path, so the refusals below are the hostile values at work', async () => {
    const route = MUTATING[0];
    const res = await send(route, 'POST', {
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify(route.body()),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json()).ok).toBe(true);
  });

  describe.each(MUTATING.filter((r) => r.audited))('$name ($path)', (route) => {
    it.each(HOSTILE_VALUES)(
      'refuses %s in a string field with 422, a sentence and an audit row',
      async (_what, value) => {
        const before = await auditCount();
        const res = await send(route, 'POST', {
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({
            ...route.body(),
            [route.field]: value,
            note: typeof value === 'string' ? value : 'n',
          }),
        });
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBe(422);
        expect(sentenceOf(JSON.parse(text))).toMatch(/\w.*\./);
        expect(await auditCount()).toBe(before + 1);
        const [row] = await listAudit(t.db.orm, { username: LEAD.username, limit: 1 });
        expect(row).toMatchObject({ decision: 'invalid', status: 'invalid_input' });
        // what was sent is kept, with unstorable characters written out
        if (value === 'tem\u0000plate') expect(JSON.stringify(row.params)).toContain('tem\\\\u0000plate');
      },
    );

    it('refuses a body that is not an object with 422 and an audit row', async () => {
      // the last two are not JSON at all: still the wrapper's refusal, with its sentence and row
      for (const body of ['[1,2]', '"text"', 'null', '5', '{"n": 5', 'not json']) {
        const before = await auditCount();
        const res = await send(route, 'POST', {
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body,
        });
        expect(res.status, body).toBe(422);
        expect(sentenceOf(await res.json())).not.toBe('');
        expect(await auditCount()).toBe(before + 1);
      }
    });

    it('refuses a NUL in a field name and in the reason, and audits both', async () => {
      const before = await auditCount();
      for (const extra of [{ 'a\u0000b': 'x' }, { reason: 'because\u0000' }]) {
        const res = await send(route, 'POST', {
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({ ...route.body(), ...extra }),
        });
        expect(res.status).toBe(422);
        expect(sentenceOf(await res.json())).toMatch(/control character/);
      }
      expect(await auditCount()).toBe(before + 2);
      const [row] = await listAudit(t.db.orm, { username: LEAD.username, limit: 1 });
      expect(row.reason).toBe('because\\u0000');
    });
  });

  describe.each(MUTATING)('$name ($path) at the door', (route) => {
    it.each(HOSTILE_REQUESTS)(
      'answers $what with $status and a sentence, and runs nothing',
      async ({ headers, body, status }) => {
        const before = await auditCount();
        const res = await send(route, 'POST', { headers, body: body(route) });
        expect(res.status).toBe(status);
        expect(sentenceOf(await res.json())).toMatch(/\w.*\./);
        expect(await auditCount()).toBe(before);
      },
    );

    it('never answers a hostile value with a 500 or an empty body', async () => {
      for (const [what, value] of HOSTILE_VALUES) {
        const res = await send(route, 'POST', {
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({ ...route.body(), [route.field]: value }),
        });
        const text = await res.text();
        expect(res.status, `${what}: ${text.slice(0, 200)}`).toBeLessThan(500);
        expect(res.status, what).toBeGreaterThanOrEqual(route.name === 'sign-out' ? 200 : 400);
        if (res.status >= 400) expect(sentenceOf(JSON.parse(text)), what).not.toBe('');
      }
      // signed out again by the sign-out row: sign back in for the next route
      if (route.name === 'sign-out') {
        cookie = await signInCookie(LEAD.username, LEAD.password);
      }
    });
  });

  const jobId = '00000000-0000-4000-8000-000000000000';
  const READS: { route: RouteRef; bad: string[]; good: string[] }[] = [
    {
      route: { path: '/api/events/export', mod: eventsExportRoute },
      bad: [
        '?format=xml',
        '?from=notadate',
        '?to=2026-99-99',
        '?to=2026-02-30',
        '?from=2026-05-01T25:00Z',
        '?mode=both',
        '?template=nope',
        '?rolledBack=maybe',
        '?actor=a%00b',
        '?type=%07',
        '?format=csv&format=json',
        `?actor=${'a'.repeat(300)}`,
        '?eventId=nope',
        "?eventId=25000b00-0000-4000-8000-00000000000'",
        '?eventId=%00',
      ],
      good: [
        '',
        '?format=json&from=2026-01-01&to=2026-12-31',
        '?format=csv&from=2026-05-01T08:00Z',
        '?format=json&eventId=25000B00-0000-4000-8000-000000000001',
      ],
    },
    {
      route: { path: '/api/audit', mod: auditRoute },
      bad: [
        '?format=xml',
        '?from=notadate',
        '?to=2026-99-99',
        '?limit=abc',
        '?limit=0',
        '?limit=99999',
        '?before=1e3',
        '?id=-1',
        '?mode=constructor',
        '?decision=__proto__',
        '?username=a%00b',
        '?kind=everything',
        '?kind=security&kind=security',
      ],
      good: ['', '?format=csv', '?limit=5&mode=preview&from=2026-01-01', '?kind=security'],
    },
    {
      route: { path: '/api/bulk/jobs', mod: bulkJobsRoute },
      bad: ['?limit=abc', '?limit=0', '?limit=201', '?limit=5&limit=6'],
      good: ['', '?limit=5'],
    },
    {
      route: { path: `/api/bulk/jobs/${jobId}/items`, mod: bulkItemsRoute, params: { id: jobId } },
      bad: ['?limit=x', '?after=-1', '?before=1.5', '?status=%00', "?status=ok'--"],
      good: [],
    },
    {
      route: { path: `/api/bulk/jobs/${jobId}`, mod: bulkJobRoute, params: { id: jobId } },
      // ?wait= holds a poll of a running job for its end, at most 2 s
      bad: ['?wait=x', '?wait=-1', '?wait=2001', '?wait=1.5', '?wait=1&wait=2', '?wait=%00'],
      good: [],
    },
    { route: { path: '/api/gates', mod: gatesRoute }, bad: [], good: [''] },
    { route: { path: '/api/health', mod: healthRoute }, bad: [], good: [''] },
    { route: { path: '/api/activity/version', mod: activityRoute }, bad: [], good: [''] },
  ];

  describe.each(READS)('GET $route.path', ({ route, bad, good }) => {
    it.each(bad.length ? bad : ['(none)'])('answers %s with 400 and a sentence naming the parameter', async (query) => {
      if (query === '(none)') return;
      const res = await send(route, 'GET', { query });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(400);
      const json = JSON.parse(text);
      expect(json.error).toMatch(/^The request was not read: .+\./);
    });

    it('still answers its ordinary queries, and a reading of a bad id with a sentence', async () => {
      for (const query of good) {
        const res = await send(route, 'GET', { query });
        expect(res.status, query).toBe(200);
        await res.arrayBuffer();
      }
      const res = await send({ ...route, params: route.params ? { id: 'not-a-uuid\u0000' } : undefined }, 'GET');
      expect(res.status).toBeLessThan(500);
      await res.arrayBuffer();
    });
  });

  it.each([
    ['/api/recipes/bulk-scale-out', recipesRoute, { recipe: 'bulk-scale-out' }],
    ['/api/bulk/jobs', bulkJobsRoute, undefined],
  ] as const)(
    'reads N on %s as a number only: [5], true, 5e2 and 2.5 are refused and audited',
    async (path, mod, params) => {
      const body = (n: unknown) =>
        JSON.stringify({
          templateCollectionId: tpl.id,
          n,
          uuidPrefix: '25000b00-',
          batchTag: 'nb',
          emitMode: 'dry_run',
          preview: true,
        });
      for (const n of [[5], true, '5e2', 2.5, { valueOf: 5 }]) {
        const before = await auditCount();
        const res = await send({ path, mod, params }, 'POST', {
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: body(n),
        });
        const json = await res.json();
        expect(res.status, JSON.stringify(n)).toBe(422);
        expect(sentenceOf(json)).toMatch(/N must be a whole number\./);
        expect(await auditCount()).toBe(before + 1);
      }
      // a form or the CLI sends digits as text, and that stays fine
      const res = await send({ path, mod, params }, 'POST', {
        headers: { origin: ORIGIN, 'content-type': 'application/json' },
        body: body('3'),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      const started = (await res.json()) as { jobId?: string };
      // a bulk job runs on after its 202: let it finish before the database closes
      for (let i = 0; started.jobId && i < 100; i++) {
        const id = started.jobId;
        const r = await send({ path: `/api/bulk/jobs/${id}`, mod: bulkJobRoute, params: { id } }, 'GET');
        const { job } = (await r.json()) as { job: { status: string } };
        if (job.status !== 'running' && job.status !== 'queued') break;
        await new Promise((w) => setTimeout(w, 100));
      }
    },
  );

  it('records a denied attempt full of control characters too, written out in its row', async () => {
    const viewer = await signedIn(t.db, 'vera', 'viewer');
    const res = await sendAs(
      { path: '/api/recipes/close-all-gates', mod: recipesRoute, params: { recipe: 'close-all-gates' } },
      'POST',
      {
        cookie: viewer,
        headers: { origin: ORIGIN, 'content-type': 'application/json', 'user-agent': 'bot\u0085\u009bx' },
        body: JSON.stringify({ reason: 'why\u0000not', ['k\u0007']: 'v\ud800' }),
      },
    );
    expect(res.status).toBe(403);
    expect(sentenceOf(await res.json())).toMatch(/cannot do this/);
    const [row] = await listAudit(t.db.orm, { username: 'vera', limit: 1 });
    expect(row).toMatchObject({ decision: 'denied', reason: 'why\\u0000not', userAgent: 'bot\\u0085\\u009bx' });
    expect(row.params).toEqual({ reason: 'why\\u0000not', 'k\\u0007': 'v\\ud800' });
  });

  it('answers a recipe named after an Object prototype key with 404, not a crash', async () => {
    for (const recipe of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await send({ path: `/api/recipes/${recipe}`, mod: recipesRoute, params: { recipe } }, 'POST', {
        headers: { origin: ORIGIN, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status, recipe).toBe(404);
      expect((await res.json()).error).toMatch(/There is no recipe called/);
    }
  });
});

describe('a chunked body over 1 MB, on a real socket', () => {
  let server: http.Server;
  // a port of the range this project's tests use, clear of the journeys' consoles (E2E_PORT..+4)
  const port = Number(process.env.IU_TEST_SOCKET_PORT ?? 3290);
  const seen: number[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (refuseForeignRequest(req, res)) return;
      limitRequestBody(req, res, async () => {
        let n = 0;
        for await (const c of req) n += (c as Buffer).length;
        seen.push(n);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ read: n }));
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => server.close(r)));

  /** POSTs `size` bytes in 64 KiB chunks with Transfer-Encoding: chunked (no Content-Length). */
  function postChunked(size: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/bulk/jobs',
        headers: { 'content-type': 'application/json', ...headers },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const write = () => {
        while (sent < size) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += part.length;
          if (!req.write(part)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
  }

  it('refuses 2 MB with 413 and a sentence before the handler reads any of it', async () => {
    const before = seen.length;
    const r = await postChunked(2 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatch(/larger than 1 MB/);
    expect(seen.length).toBe(before);
  });

  it('answers another site and a form body itself, before Next could read them', async () => {
    const before = seen.length;
    const foreign = await postChunked(10, { origin: 'http://localhost:3299' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error).toMatch(/came from another site/);
    const form = await postChunked(10, { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN });
    expect(form.status).toBe(415);
    expect(seen.length).toBe(before);
    expect((await postChunked(10, { origin: ORIGIN })).status).toBe(200);
  });

  it('hands a body just under the limit to the handler whole', async () => {
    const r = await postChunked(MAX_BODY_BYTES);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).read).toBe(MAX_BODY_BYTES);
  });

  it('refuses a declared Content-Length over the limit at once', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/recipes/x',
        headers: { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatch(/larger than 1 MB/);
  });
});

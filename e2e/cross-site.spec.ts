// Another site against a signed-in lead. A page served on another local port (same site for
// the browser, so the lead's SameSite=Lax cookie goes along) auto-submits a text/plain form,
// an urlencoded form and no-cors fetches at the rollback and recipe routes, bulk jobs and
// cancel, after the lead's own dry run made the durable step look legitimate: nothing runs,
// as the audit trail, the event log and the job list show. Then the console's own headers:
// read from a running console, framing refused, and no CSP violation on the busiest pages.
import http from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, auditRows, contextAs, shot, signIn } from './helpers';
import { exportedRows, makeInstance, seededTemplates } from './rollback-helpers';

const consolePort = Number(process.env.E2E_PORT ?? 3100);
const CONSOLE = `http://localhost:${consolePort}`;
const HOSTILE_PORT = Number(process.env.E2E_HOSTILE_PORT ?? consolePort + 99);
const HOSTILE = `http://localhost:${HOSTILE_PORT}`;

/** A text/plain form whose one field name and value join into a JSON body: the classic trick. */
function plainForm(action: string, body: Record<string, unknown>): string {
  const json = JSON.stringify({ ...body, pad: '' });
  const cut = json.lastIndexOf('""') + 1;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
  const field = `<input type="hidden" name='${esc(json.slice(0, cut))}' value='${esc(json.slice(cut))}'>`;
  return `<form method="POST" enctype="text/plain" action="${action}">${field}</form>`;
}

function urlencodedForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
    .join('');
  return `<form method="POST" action="${action}">${inputs}</form>`;
}

const page = (title: string, body: string, script: string) =>
  `<!doctype html><html><head><title>${title}</title></head>` +
  `<body><h1>${title}</h1>${body}<script>${script}</script></body></html>`;

const runTag = `xs-${Date.now().toString(36)}`;
const actor = `${ADMIN.username}:${runTag}`;

test.describe('a hostile page on another port', () => {
  test.describe.configure({ mode: 'serial' });
  let server: http.Server;
  const pages = new Map<string, string>();

  test.beforeAll(async () => {
    server = http.createServer((req, res) => {
      const html = pages.get(new URL(req.url ?? '/', HOSTILE).pathname);
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(html ?? 'not here');
    });
    await new Promise<void>((r) => server.listen(HOSTILE_PORT, '127.0.0.1', r));
  });
  test.afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test('auto-submitted forms and fetches at a signed-in lead run nothing', async ({ browser }, testInfo) => {
    const lead = await contextAs(browser, ADMIN.username, 'lead');
    const [tpl] = await seededTemplates(lead);
    await makeInstance(lead, tpl, runTag, 'live');
    await makeInstance(lead, tpl, runTag, 'dry_run');
    // the lead's own dry run: what made the durable step acceptable to the old console
    const dry = await lead.request.post('/api/recipes/rollback-by-actor', {
      data: { targetActor: actor, durable: false },
    });
    expect(dry.status(), await dry.text()).toBe(200);
    const jobsBefore = (await (await lead.request.get('/api/bulk/jobs')).json()).jobs.length;
    const lastAudit = Math.max(...(await auditRows(lead)).map((r) => r.id));

    const durable = { targetActor: actor, durable: true, confirmText: actor, reason: 'cross-site' };
    const rollbackUrl = `${CONSOLE}/api/recipes/rollback-by-actor`;
    pages.set('/plain', page('Win a prize', plainForm(rollbackUrl, durable), 'document.forms[0].submit()'));
    pages.set(
      '/urlencoded',
      page(
        'Win a prize',
        urlencodedForm(`${CONSOLE}/api/bulk/jobs`, {
          templateKey: tpl.key,
          n: '3',
          uuidPrefix: '25000b00-',
          batchTag: runTag,
          emitMode: 'live',
          confirmText: runTag,
          reason: 'x',
        }),
        'document.forms[0].submit()',
      ),
    );
    const targets = [
      [rollbackUrl, durable],
      [`${CONSOLE}/api/recipes/close-all-gates`, { reason: 'cross-site' }],
      [
        `${CONSOLE}/api/bulk/jobs`,
        { templateKey: tpl.key, n: 3, uuidPrefix: '25000b00-', batchTag: runTag, emitMode: 'dry_run', preview: true },
      ],
      [`${CONSOLE}/api/bulk/jobs/00000000-0000-4000-8000-000000000000/cancel`, {}],
    ] as const;
    pages.set(
      '/fetch',
      page(
        'Loading…',
        '<pre id="out"></pre>',
        `
        const targets = ${JSON.stringify(targets)};
        Promise.all(targets.flatMap(([url, body]) => [
          fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include',
            headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) })
            .then(() => 'sent', (e) => 'failed: ' + e),
          fetch(url, { method: 'POST', credentials: 'include',
            headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
            .then((r) => 'answered ' + r.status, (e) => 'blocked by the browser: ' + e.message),
        ])).then((r) => { document.getElementById('out').textContent = r.join('\\n'); document.title = 'done'; });
      `,
      ),
    );

    const p = await lead.newPage();
    const submitted = (path: string) => p.waitForResponse((r) => r.url() === path && r.request().method() === 'POST');

    // 1. text/plain form, the attack in the issue: the browser lands on the console's refusal
    let answer = submitted(rollbackUrl);
    await p.goto(`${HOSTILE}/plain`);
    let res = await answer;
    expect(res.status()).toBe(403);
    expect(res.request().headers()['content-type']).toBe('text/plain');
    await expect(p.locator('body')).toContainText('came from another site');
    await shot(p, testInfo, 'text-plain form post refused');

    // 2. urlencoded form at bulk jobs
    answer = submitted(`${CONSOLE}/api/bulk/jobs`);
    await p.goto(`${HOSTILE}/urlencoded`);
    res = await answer;
    expect(res.status()).toBe(403);
    await shot(p, testInfo, 'urlencoded form post refused');

    // 3. fetches: no-cors ones reach the console and are refused; JSON ones never leave the browser
    const statuses: number[] = [];
    const onResponse = (r: { url(): string; status(): number; request(): { method(): string } }) => {
      if (r.url().startsWith(CONSOLE) && r.request().method() === 'POST') statuses.push(r.status());
    };
    p.on('response', onResponse);
    await p.goto(`${HOSTILE}/fetch`);
    await expect(p).toHaveTitle('done');
    p.off('response', onResponse);
    expect(statuses.length).toBeGreaterThanOrEqual(targets.length);
    expect(new Set(statuses)).toEqual(new Set([403]));
    await expect(p.locator('#out')).toContainText('blocked by the browser');
    await shot(p, testInfo, 'fetches sent and refused');

    // nothing ran: no audit row for any of it, the instances are all there, no new job
    const since = (await auditRows(lead)).filter((r) => r.id > lastAudit);
    expect(since.map((r) => `${r.recipe} ${r.status}`)).toEqual([]);
    const rows = await exportedRows(lead, actor);
    expect(rows.filter((r) => r.instance_collection_id)).toHaveLength(2);
    expect(rows.every((r) => r.rolled_back_at === null)).toBe(true);
    expect((await (await lead.request.get('/api/bulk/jobs')).json()).jobs.length).toBe(jobsBefore);

    // and the gate is not simply shut: the console's own origin passes it
    const own = await lead.request.post('/api/recipes/rollback-by-actor', {
      headers: { origin: CONSOLE },
      data: { targetActor: actor, durable: false },
    });
    expect(own.status()).toBe(200);
    await lead.close();
  });

  test('the console cannot be framed, even by a page on the same host', async ({ browser }, testInfo) => {
    const lead = await contextAs(browser, ADMIN.username, 'lead');
    pages.set(
      '/frame',
      page('Framed', `<iframe id="f" src="${CONSOLE}/rollback" width="800" height="400"></iframe>`, ''),
    );
    const p = await lead.newPage();
    const framed = p.waitForResponse((r) => r.url() === `${CONSOLE}/rollback`);
    await p.goto(`${HOSTILE}/frame`);
    const res = await framed;
    expect(res.headers()['x-frame-options']).toBe('DENY');
    expect(res.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    // the browser shows its own error page in the frame, never the console's form
    const frame = p.frames().find((f) => f !== p.mainFrame());
    await expect
      .poll(async () =>
        frame
          ? await frame
              .locator('[data-testid="rollback-form"]')
              .count()
              .catch(() => 0)
          : 0,
      )
      .toBe(0);
    await shot(p, testInfo, 'framing refused');
    await lead.close();
  });
});

test.describe("the console's own headers", () => {
  test('every kind of response carries them, and no X-Powered-By', async ({ request }) => {
    const health = await request.get('/api/health');
    const signInPage = await request.get('/sign-in');
    const html = await signInPage.text();
    const asset = html.match(/\/_next\/static\/[^"']+\.js/)?.[0];
    expect(asset, 'a script of the sign-in page').toBeTruthy();
    const staticFile = await request.get(asset!);
    const refused = await request.post('/api/recipes/close-all-gates', {
      headers: { origin: 'http://evil.example' },
      data: {},
    });
    expect(refused.status()).toBe(403);
    const wrongType = await request.post('/api/recipes/close-all-gates', {
      headers: { 'content-type': 'text/plain' },
      data: '{}',
    });
    expect(wrongType.status()).toBe(415);
    expect((await wrongType.json()).error).toMatch(/Content-Type: application\/json/);
    const tooBig = await request.post('/api/recipes/close-all-gates', {
      headers: { 'content-type': 'application/json' },
      data: `{"reason":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    });
    expect(tooBig.status()).toBe(413);
    expect((await tooBig.json()).error).toMatch(/larger than 1 MB/);

    for (const [what, r] of Object.entries({ health, signInPage, staticFile, refused, wrongType, tooBig })) {
      const h = r.headers();
      expect(h['x-content-type-options'], what).toBe('nosniff');
      expect(h['x-frame-options'], what).toBe('DENY');
      expect(h['referrer-policy'], what).toBe('strict-origin-when-cross-origin');
      expect(h['x-powered-by'], what).toBeUndefined();
      // the journeys' console is served over http: HSTS would be meaningless there
      expect(h['strict-transport-security'], what).toBeUndefined();
    }
    const csp = signInPage.headers()['content-security-policy'];
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    // Next put this response's nonce on its own inline scripts
    expect(html).toContain(`nonce="${nonce}"`);
    expect((await request.get('/sign-in')).headers()['content-security-policy']).not.toContain(nonce!);
    expect(health.headers()['content-security-policy']).toContain("default-src 'none'");
  });

  test('the busiest pages run under the policy with no violation', async ({ page }, testInfo) => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await signIn(page, ADMIN.username, ADMIN.password);
    const visit = async (path: string, ready: (p: Page) => Promise<void>) => {
      await page.goto(path);
      await ready(page);
    };
    // the server-drawn charts (inline styles) on the overview and summary, TanStack Query on
    // bulk, Radix's dialog on rollback
    await visit('/', async (p) =>
      expect(p.getByTestId('chart-events-over-time').getByTestId('chart-column').first()).toBeVisible(),
    );
    await shot(page, testInfo, 'overview under the CSP');
    await visit('/summary', async (p) =>
      expect(p.getByTestId('chart-by-day').getByTestId('chart-column').first()).toBeVisible(),
    );
    await visit('/events', async (p) => expect(p.getByRole('heading', { level: 1 })).toBeVisible());
    await visit('/bulk', async (p) => expect(p.getByTestId('bulk-form')).toBeVisible());
    // the instances the hostile page could not remove: a dry run, then the confirm dialog
    await visit(`/rollback?actor=${encodeURIComponent(actor)}`, async (p) =>
      expect(p.getByTestId('rollback-form')).toBeVisible(),
    );
    await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByTestId('dry-run-result')).toHaveAttribute('data-count', '2');
    await page.getByTestId('open-confirm').click();
    await expect(page.getByTestId('confirm-dialog')).toBeVisible();
    await shot(page, testInfo, 'rollback confirm dialog under the CSP', false);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
    expect(violations).toEqual([]);
  });

  test('a sign-in link whose next points at another site lands on the console', async ({ page }, testInfo) => {
    for (const next of ['/%5Cevil.example/x', '//evil.example', 'https://evil.example', '/%09/evil.example']) {
      await page.context().clearCookies();
      await page.goto(`/sign-in?next=${next}`);
      await page.getByLabel('User name').fill(ADMIN.username);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
      expect(new URL(page.url()).origin, next).toBe(CONSOLE);
      expect(new URL(page.url()).pathname, next).toBe('/');
    }
    await shot(page, testInfo, 'landed on the overview');
  });
});

test.describe('addresses a person did not mean', () => {
  test('an unknown sort or an impossible day is named on the page, never raw database text', async ({
    page,
  }, testInfo) => {
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.goto('/templates?sort=constructor');
    await expect(page.getByTestId('sort-problem')).toContainText(
      'That sort is not known, so the table is sorted by key.',
    );
    await expect(page.getByRole('heading', { level: 1, name: 'Templates' })).toBeVisible();
    await page.goto('/events?to=2026-99-99&from=notadate');
    await expect(page.getByTestId('filter-problems')).toContainText('from must be a real day');
    await expect(page.getByTestId('filter-problems')).toContainText('to must be a real day');
    await page.goto('/audit?mode=constructor&to=2026-02-30');
    await expect(page.getByTestId('filter-problems')).toContainText(
      'mode must be one of preview, dry_run, live, durable, admin',
    );
    for (const path of ['/templates?sort=constructor', '/events?to=2026-99-99', '/audit?mode=constructor']) {
      await page.goto(path);
      await expect(page.locator('body')).not.toContainText(
        /syntax error|SQLSTATE|column .* does not exist|date\/time field value/i,
      );
    }
    await shot(page, testInfo, 'an unknown filter named on the audit page');
    const res = await page.request.get('/api/events/export?to=2026-99-99&format=xml');
    expect(res.status()).toBe(400);
    expect((await res.json()).error).toBe(
      'The request was not read: to must be a real day (YYYY-MM-DD) or an ISO time such as 2026-05-01T08:00Z. ' +
        'format must be one of csv, json; "xml" is not. Nothing was returned.',
    );
  });
});

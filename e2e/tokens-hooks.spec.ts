// Webhooks and API tokens, as a lead and a script would use them: a lead adds a hook that
// points at a receiver in this test, presses "Send test" and sees the signed delivery in the
// log; an operator makes a token, sees it once, runs a dry run with it from a script (no
// cookie), revokes it, and the next call is refused.
import http from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { verifySignature } from '../lib/hooks/signing';
import { ADMIN, contextAs, shot, signIn, uuid } from './helpers';

const RECEIVER_PORT = Number(process.env.E2E_HOOK_PORT ?? 3430);

interface Got {
  body: string;
  signature: string;
  event: string;
}

function receiver() {
  const got: Got[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({
        body,
        signature: String(req.headers['x-iu-signature'] ?? ''),
        event: String(req.headers['x-iu-event'] ?? ''),
      });
      res.writeHead(200).end('received');
    });
  });
  return {
    got,
    start: () => new Promise<void>((r) => server.listen(RECEIVER_PORT, '127.0.0.1', () => r())),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('a lead adds a webhook, sends a test, and sees the signed delivery in its log', async ({ page }, testInfo) => {
  const rx = receiver();
  await rx.start();
  try {
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.goto('/settings/webhooks');
    await expect(page.getByRole('heading', { name: 'Webhooks' })).toBeVisible();
    const form = page.getByTestId('add-hook-form');
    const name = `e2e receiver ${uuid().slice(0, 6)}`;
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('URL').fill(`http://127.0.0.1:${RECEIVER_PORT}/hook`);
    await form.getByLabel('Apply succeeded (live or durable)').check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByTestId('hook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);

    const hook = page.getByRole('region', { name: `Webhook ${name}` });
    await expect(hook.getByText(`whsec_…${secret.slice(-4)}`)).toBeVisible();
    await hook.getByRole('button', { name: 'Send test' }).click();
    // the log refreshes itself while the delivery is on its way
    const row = hook.getByTestId('delivery-row').first();
    await expect(row).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    await expect(row).toHaveAttribute('data-event', 'test');
    await expect(row).toContainText('200');
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0].event).toBe('test');
    expect(verifySignature(secret, rx.got[0].body, rx.got[0].signature)).toBe(true);
    expect(JSON.parse(rx.got[0].body)).toMatchObject({ event: 'test', test: { by: ADMIN.username } });

    // after a reload the secret is masked only
    await page.reload();
    await expect(page.getByTestId('hook-secret')).toHaveCount(0);
    await expect(page.getByText(secret)).toHaveCount(0);
    await shot(page, testInfo, 'webhooks-page');
  } finally {
    await rx.stop();
  }
});

/** The template id the instantiate page offers first. */
async function aTemplateId(page: Page): Promise<string> {
  await page.goto('/instantiate');
  return page.getByLabel('Template').first().inputValue();
}

test('a person makes a token, sees it once, runs a dry run with it, revokes it, and it is refused', async ({
  browser,
  playwright,
}, testInfo) => {
  const ctx = await contextAs(browser, 'e2e-token-olga', 'operator');
  const page = await ctx.newPage();
  const templateCollectionId = await aTemplateId(page);
  await page.goto('/settings/tokens');
  const form = page.getByTestId('make-token-form');
  await form.getByLabel('Name').fill('nightly script');
  await form.getByLabel('Scope').selectOption('operate');
  await form.getByRole('button', { name: 'Make token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  expect(token).toMatch(/^iuc_/);
  const row = page.getByTestId('token-row').filter({ hasText: 'nightly script' });
  await expect(row).toContainText(`${token.slice(0, 12)}…`);
  await expect(row).toHaveAttribute('data-state', 'active');

  // a script: no cookie, only the token
  const script = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  const dryRun = () =>
    script.post('/api/recipes/instantiate-from-event', {
      headers: { authorization: `Bearer ${token}` },
      data: {
        eventId: uuid(),
        eventType: 'template.published',
        templateCollectionId,
        uniqueSuffix: `tok-${uuid().slice(0, 8)}`,
        emitMode: 'dry_run',
        preview: true,
      },
    });
  const ran = await dryRun();
  const body = await ran.json();
  expect(ran.status(), JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ ok: true, committed: false, plan: { username: 'e2e-token-olga' } });

  // shown once: a reload lists the prefix only, and now when it was last used
  await page.reload();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await expect(row).not.toContainText('never');
  await shot(page, testInfo, 'tokens-page');

  await row.getByRole('button', { name: 'Revoke nightly script' }).click();
  await expect(page.getByTestId('action-result')).toContainText('Committed');
  await expect(row).toHaveAttribute('data-state', 'revoked');
  const refused = await dryRun();
  expect(refused.status()).toBe(401);
  expect((await refused.json()).message).toMatch(/signed out/);
  await script.dispose();
  await ctx.close();
});

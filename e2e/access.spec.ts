// Access control, proved around the UI: signed-out requests, a higher role's requests posted
// again with a lower role's own cookie (to the JSON routes, /api/recipes and /api/users, which
// run the same wrapped actions as the pages), the route handlers, and the actor recorded.
import { expect, test } from '@playwright/test';
import { TRUSTED_PORT } from '../playwright.config';
import { ADMIN, auditRows, contextAs, isPost, signIn, uuid } from './helpers';

const CONSOLE_ROUTES = ['/', '/instantiate', '/rollback', '/audit', '/users', '/account/password'];

test.describe('signed out', () => {
  test('every console route lands on the sign-in page', async ({ page }, testInfo) => {
    for (const route of CONSOLE_ROUTES) {
      await page.goto(route);
      await expect(page, `${route} should redirect`).toHaveURL(/\/sign-in(\?|$)/);
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    }
    await testInfo.attach('sign-in', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  });

  test('the API answers 401 and runs nothing', async ({ request }) => {
    expect((await request.get('/api/gates')).status()).toBe(401);
    expect((await request.get('/api/audit')).status()).toBe(401);
    const r = await request.post('/api/recipes/instantiate-from-event', { data: { emitMode: 'live' } });
    expect(r.status()).toBe(401);
  });

  test('a wrong password is refused with a sentence', async ({ page }) => {
    await page.goto('/sign-in');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('The user name or password is wrong.')).toBeVisible();
  });
});

test.describe('roles', () => {
  test.describe.configure({ mode: 'serial' });
  const tag = `e2e-${Date.now().toString(36)}`;
  /** The operator's live request, as a script would send it to the recipes route. */
  let liveRun: Record<string, unknown>;

  test('an operator runs live; the actor stored is the signed-in user whatever the form sent', async ({
    browser,
  }, testInfo) => {
    const otto = await contextAs(browser, 'otto', 'operator');
    const page = await otto.newPage();
    await page.goto('/instantiate');
    const form = page.getByTestId('instantiate-form');
    const eventId = uuid();
    await form.getByLabel('Event id (UUID)').fill(eventId);
    await form.getByLabel('Unique suffix').fill(`e2e-${eventId.slice(0, 8)}`);
    await form.getByLabel('Run tag (optional)').fill(tag);
    // a forged actor field, as a hostile user could add with the browser's tools
    await page.evaluate(() => {
      const f = document.querySelector('[data-testid="instantiate-form"]')!;
      for (const name of ['actor', 'user', 'username']) {
        const i = document.createElement('input');
        i.type = 'hidden';
        i.name = name;
        i.value = 'mallory';
        f.appendChild(i);
      }
    });
    // live opens only after a dry run of the same parameters
    await form.getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByTestId('instantiate-result')).toHaveAttribute('data-status', 'ok');
    await form.getByRole('button', { name: 'Run live…' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog
      .getByLabel(/Type the instance key/)
      .fill((await dialog.getByTestId('confirm-instance-key').textContent())!);
    await dialog.getByLabel(/Reason/).fill('e2e live run');
    const captured = page.waitForRequest(isPost);
    const instanceKey = (await dialog.getByTestId('confirm-instance-key').textContent())!;
    await dialog.getByRole('button', { name: 'Run live' }).click();
    // the forged fields went with the request, whatever its encoding
    expect((await captured).postDataBuffer()!.toString('utf8')).toContain('mallory');
    liveRun = {
      eventId,
      eventType: 'template.published',
      templateCollectionId: await form.getByLabel('Template').inputValue(),
      uniqueSuffix: `e2e-${eventId.slice(0, 8)}`,
      runTag: tag,
      emitMode: 'live',
      confirmText: instanceKey,
      reason: 'e2e live run',
      actor: 'mallory',
    };
    await expect(page.getByTestId('instantiate-result')).toHaveAttribute('data-kind', 'live');
    const result = page.getByTestId('action-result');
    await expect(result).toHaveAttribute('data-decision', 'ok');
    await expect(page.getByTestId('result-actor')).toHaveText(`otto:${tag}`);
    await testInfo.attach('operator live run', {
      body: await page.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });

    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const ap = await admin.newPage();
    await ap.goto('/rollback');
    const row = ap.getByTestId(`actor-otto:${tag}`);
    await expect(row).toBeVisible();
    await expect(row.locator('td').nth(2)).toHaveText('1');
    await expect(ap.locator('[data-testid^="actor-mallory"]')).toHaveCount(0);
    const audit = (await auditRows(admin)).find((r) => r.params.eventId === eventId && r.mode === 'live')!;
    expect(audit).toMatchObject({
      username: 'otto',
      role: 'operator',
      actor: `otto:${tag}`,
      mode: 'live',
      decision: 'ok',
      committed: true,
    });
    expect(audit.params).not.toHaveProperty('actor');
    await testInfo.attach('per-actor history', {
      body: await ap.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });
    await otto.close();
    await admin.close();
  });

  test("a viewer cannot run live even by posting the operator's request with their own cookie, and the attempt is audited", async ({
    browser,
  }, testInfo) => {
    const vic = await contextAs(browser, 'vic', 'viewer');
    const page = await vic.newPage();
    await page.goto('/instantiate');
    await expect(page.getByTestId('not-allowed')).toBeVisible();
    await expect(page.getByTestId('instantiate-form')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Instantiate' })).toHaveCount(0);
    await testInfo.attach('viewer on instantiate', {
      body: await page.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });

    const eventId = uuid();
    const replayed = await vic.request.post('/api/recipes/instantiate-from-event', { data: { ...liveRun, eventId } });
    const r = { status: replayed.status(), text: await replayed.text() };
    expect(r.status).toBe(403);
    expect(r.text).toContain('"decision":"denied"');
    expect(r.text).not.toContain('"decision":"ok"');

    const viaRoute = await vic.request.post('/api/recipes/instantiate-from-event', {
      data: {
        eventId: uuid(),
        eventType: 'x',
        templateCollectionId: uuid(),
        uniqueSuffix: 's1',
        emitMode: 'live',
        reason: 'r',
      },
    });
    expect(viaRoute.status()).toBe(403);
    // nor can they rename themselves into someone else's actor name
    const rename = await vic.request.post('/api/auth/update-user', { data: { username: 'alice', name: 'alice' } });
    expect(rename.status()).toBe(404);

    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const rows = await auditRows(admin);
    const denied = rows.find((x) => x.params.eventId === eventId)!;
    expect(denied).toMatchObject({
      username: 'vic',
      role: 'viewer',
      recipe: 'instantiate_from_event',
      mode: 'live',
      decision: 'denied',
      committed: false,
    });
    expect(rows.filter((x) => x.params.eventId === eventId)).toHaveLength(1);
    const ap = await admin.newPage();
    await ap.goto('/rollback');
    await expect(ap.locator('[data-testid^="actor-vic"]')).toHaveCount(0);
    await vic.close();
    await admin.close();
  });

  test("an operator cannot roll back, by replaying a lead's request or by a durable post of their own, and both attempts are audited", async ({
    browser,
  }) => {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const ap = await admin.newPage();
    await ap.goto('/rollback');
    const form = ap.getByTestId('rollback-form');
    await form.getByLabel('Actor', { exact: true }).fill('nobody-e2e');
    // the lead's dry run names its plan; the operator replays it as a durable rollback of their own actor
    await form.getByRole('button', { name: 'Dry run' }).click();
    await expect(ap.getByTestId('action-result')).toHaveAttribute('data-decision', 'ok');
    const dry = await admin.request.post('/api/recipes/rollback-by-actor', {
      data: { targetActor: 'nobody-e2e', durable: false },
    });
    const leadPlan = (await dry.json()).plan.id as number;

    const otto = await contextAs(browser, 'otto', 'operator');
    const op = await otto.newPage();
    await op.goto('/rollback');
    await expect(op.getByTestId('not-allowed')).toBeVisible();
    const replayed = await otto.request.post('/api/recipes/rollback-by-actor', {
      data: {
        targetActor: `otto:${tag}`,
        durable: true,
        planId: leadPlan,
        confirmText: `otto:${tag}`,
        reason: 'replayed by an operator',
      },
    });
    expect(await replayed.text()).toContain('"decision":"denied"');
    const viaRoute = await otto.request.post('/api/recipes/rollback-by-actor', {
      data: { targetActor: `otto:${tag}`, durable: true, reason: 'try' },
    });
    expect(viaRoute.status()).toBe(403);

    const rows = (await auditRows(admin)).filter((x) => x.recipe === 'rollback_by_actor' && x.username === 'otto');
    expect(rows).toHaveLength(2);
    for (const row of rows)
      expect(row).toMatchObject({ role: 'operator', decision: 'denied', mode: 'durable', committed: false });
    // the operator's instances still stand
    await ap.goto('/rollback');
    await expect(ap.getByTestId(`actor-otto:${tag}`).locator('td').nth(4)).toHaveText('0');
    await otto.close();
    await admin.close();
  });

  test('an operator cannot add users or close gates, even by posting to the actions directly', async ({ browser }) => {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const ap = await admin.newPage();
    await ap.goto('/users');
    const form = ap.getByTestId('add-user-form');
    await form.getByLabel('User name').fill('wendy');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByLabel('Reason').fill('a new analyst');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect(ap.getByTestId('one-time-password')).toBeVisible();

    const otto = await contextAs(browser, 'otto', 'operator');
    // what the lead just did, posted with the operator's own cookie to the same action's JSON route
    const add = await otto.request.post('/api/users', {
      data: { username: 'mallory', role: 'lead', reason: 'replayed by an operator' },
    });
    expect(add.status()).toBe(403);
    expect(await add.text()).toContain('"decision":"denied"');
    const promote = await otto.request.patch('/api/users', {
      data: { username: 'otto', role: 'lead', reason: 'replayed by an operator' },
    });
    expect(promote.status()).toBe(403);
    expect((await otto.request.post('/api/recipes/close-all-gates', { data: { reason: 'try' } })).status()).toBe(403);
    expect((await otto.request.get('/api/audit')).status()).toBe(403);

    await ap.goto('/users');
    await expect(ap.getByTestId('user-wendy')).toBeVisible();
    await expect(ap.getByTestId('user-mallory')).toHaveCount(0);
    const rows = (await auditRows(admin)).filter(
      (x) => x.username === 'otto' && (x.recipe.startsWith('user_') || x.recipe === 'close_all_gates'),
    );
    expect(rows.map((x) => [x.recipe, x.decision]).sort()).toEqual([
      ['close_all_gates', 'denied'],
      ['user_add', 'denied'],
      ['user_set_role', 'denied'],
    ]);
    await otto.close();
    await admin.close();
  });

  test('a signed-in user with no role sees only the page saying to ask a lead', async ({ browser }, testInfo) => {
    const nora = await contextAs(browser, 'nora', '');
    const page = await nora.newPage();
    for (const route of ['/', '/instantiate', '/audit']) {
      await page.goto(route);
      await expect(page.getByTestId('no-role')).toContainText('Ask a lead');
      await expect(page.getByTestId('gate-iu_core.composer_enabled')).toHaveCount(0);
    }
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link')).toHaveCount(0);
    expect((await nora.request.get('/api/gates')).status()).toBe(403);
    await testInfo.attach('no role', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
    await nora.close();
  });

  test('signing out ends the session', async ({ browser }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto('/users');
    await expect(page).toHaveURL(/\/sign-in/);
    await ctx.close();
  });
});

test.describe('passwords', () => {
  test('the password page refuses a weak password with a sentence, and every change is audited without the password', async ({
    browser,
  }, testInfo) => {
    const name = `pw-${Date.now().toString(36)}`;
    // contextAs signs the new user in with a one-time password and changes it on this page
    const ctx = await contextAs(browser, name, 'viewer');
    const page = await ctx.newPage();
    await page.goto('/account/password');
    await page.getByLabel('Current password').fill(`${name}-own-password-1`);
    await page.getByLabel('New password (at least 10 characters)').fill('aaaaaaaaaa');
    await page.getByLabel('New password again').fill('aaaaaaaaaa');
    await page.getByRole('button', { name: 'Change password' }).click();
    // the form's own alert (Next keeps an empty route announcer with the same role)
    const alert = page.locator('form').getByRole('alert');
    await expect(alert).toContainText('This password is too easy to guess (repeated characters');
    await expect(alert).toContainText('four unrelated words');
    await testInfo.attach('weak password refused', {
      body: await page.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });

    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const rows = (await auditRows(admin)).filter((r) => r.recipe === 'password_change' && r.username === name);
    expect(rows.map((r) => r.decision).sort()).toEqual(['invalid', 'ok']);
    for (const r of rows) expect(JSON.stringify(r)).not.toMatch(/own-password-1|aaaaaaaaaa/);
    // better-auth's own password change is not a second way around the audit
    expect(
      (
        await ctx.request.post('/api/auth/change-password', {
          data: { currentPassword: `${name}-own-password-1`, newPassword: 'x' },
        })
      ).status(),
    ).toBe(404);
    await ctx.close();
    await admin.close();
  });
});

test.describe('identities', () => {
  test('a proxy user named like the password lead is not signed in, and the sign-in page says why', async ({
    browser,
  }, testInfo) => {
    const onProxy = (user: string, groups?: string) =>
      browser.newContext({
        baseURL: `http://localhost:${TRUSTED_PORT}`,
        extraHTTPHeaders: { 'X-Forwarded-User': user, ...(groups ? { 'X-Forwarded-Groups': groups } : {}) },
      });
    const posing = await onProxy(ADMIN.username);
    const page = await posing.newPage();
    await page.goto('/users');
    await expect(page).toHaveURL(/\/sign-in/);
    await expect(page.getByTestId('identity-refusal')).toContainText(
      `Your sign-in proxy says you are ${ADMIN.username}`,
    );
    await expect(page.getByTestId('identity-refusal')).toContainText('never takes over a password account');
    expect((await posing.request.get('/api/audit')).status()).toBe(401);
    expect((await posing.request.post('/api/recipes/close-all-gates', { data: { reason: 'as admin' } })).status()).toBe(
      401,
    );
    await testInfo.attach('proxy user named like a password account', {
      body: await page.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });

    const lead = await onProxy('sso-lena', 'ops-leads');
    const rows = (await auditRows(lead)).filter((r) => r.recipe === 'sign_in' && r.username === ADMIN.username);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]).toMatchObject({ decision: 'denied', status: 'identity_conflict', committed: false });
    await posing.close();
    await lead.close();
  });
});

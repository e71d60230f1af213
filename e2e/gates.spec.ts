// The gates page and the gate-leak banner. On the journeys' own PGlite console nothing can
// leave a gate open (the server holds the folder and the console has no control that opens a
// gate), so the states and the absence of any open control are proved there. The leak itself
// is proved on a console of its own over PostgreSQL (TEST_DATABASE_URL), where this spec
// commits an open gate the way a psql session that forgot to close it would.
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, auditRows, contextAs, shot } from './helpers';
import { PG_SKIP_REASON, PG_URL, usePostgresConsole } from './pg-console';

const GATES = [
  'iu_core.composer_enabled',
  'iu_core.auto_instantiate_enabled',
  'iu_core.delivery_enabled',
  'iu_core.retention_enabled',
];

// a modal is fixed to the viewport, so a dialog is shot as the viewport shows it, not the full page
/** Nothing on the page could open a gate: no button, checkbox, switch or field names one as "open"/"enable". */
async function expectNoOpenControl(page: Page) {
  const main = page.getByRole('main');
  await expect(main.getByRole('button', { name: /open|enable/i })).toHaveCount(0);
  await expect(main.getByRole('checkbox')).toHaveCount(0);
  await expect(main.getByRole('switch')).toHaveCount(0);
  await expect(main.locator('form')).toHaveCount(0);
}

test.describe('gates page', () => {
  test('signed out, the page leads to sign-in and the API answers 401', async ({ page, request }) => {
    await page.goto('/gates');
    await expect(page).toHaveURL(/\/sign-in(\?|$)/);
    expect((await request.get('/api/gates')).status()).toBe(401);
  });

  test('a viewer sees the four gates closed and that nothing in the console opens a gate; closing is for leads only', async ({
    browser,
  }, testInfo) => {
    const viewer = await contextAs(browser, 'gate-viewer', 'viewer');
    const page = await viewer.newPage();
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Gates' }).click();
    await expect(page).toHaveURL(/\/gates$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Gates' })).toBeVisible();
    await expect(page.getByTestId('gates-all-closed')).toBeVisible();
    await expect(page.getByTestId('gate-leak-banner')).toHaveCount(0);
    for (const key of GATES) await expect(page.getByTestId(`gate-${key}`)).toHaveAttribute('data-state', 'closed');
    await expect(page.getByTestId('gate-iu_core.delivery_enabled')).toContainText(
      'Never enable iu_core.delivery_enabled without explicit authority.',
    );
    await expect(page.getByTestId('gate-iu_core.retention_enabled')).toContainText(
      'Never enable iu_core.retention_enabled without a candidates audit.',
    );
    await expect(page.getByTestId('no-open-control')).toContainText(
      'There is no control anywhere in the console to open a gate.',
    );
    await expect(page.getByTestId('no-open-control')).toContainText(
      'iu_core.delivery_enabled and iu_core.retention_enabled can never be opened from the console',
    );
    await expectNoOpenControl(page);
    await expect(page.getByRole('button', { name: /close all gates/i })).toHaveCount(0);
    await shot(page, testInfo, 'gates page, viewer');

    // refusal: a viewer posting the close action is denied and audited, and nothing changes
    const r = await viewer.request.post('/api/recipes/close-all-gates', { data: { reason: 'just looking' } });
    expect(r.status()).toBe(403);
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const denied = (await auditRows(admin)).filter(
      (x) => x.username === 'gate-viewer' && x.recipe === 'close_all_gates',
    );
    expect(denied).toEqual([expect.objectContaining({ decision: 'denied', role: 'viewer', committed: false })]);
    const gates = await (await admin.request.get('/api/gates')).json();
    expect(gates.leaked).toEqual([]);

    // a lead sees the same page, and no control to open anything either
    const ap = await admin.newPage();
    await ap.goto('/gates');
    await expect(ap.getByTestId('gates-all-closed')).toBeVisible();
    await expectNoOpenControl(ap);
    await shot(ap, testInfo, 'gates page, lead');
    await viewer.close();
    await admin.close();
  });
});

// ---- a gate leak, on a console of its own over PostgreSQL ------------------------------

test.describe('a gate leak', () => {
  test.skip(!PG_URL, PG_SKIP_REASON);
  test.describe.configure({ mode: 'serial', timeout: 240_000 });
  const pgc = usePostgresConsole(3);
  const gateValues = async () =>
    Object.fromEntries(
      (
        await pgc.query<{ key: string; value: string }>(
          `SELECT key, value FROM dot_config WHERE key LIKE 'iu_core.%' ORDER BY key`,
        )
      ).map((x) => [x.key, x.value]),
    );

  test('an open gate in committed data shows the banner on every page until a lead closes all gates with the typed phrase and a reason', async ({
    browser,
  }, testInfo) => {
    expect(await gateValues()).toEqual(Object.fromEntries(GATES.map((g) => [g, 'false'])));
    // what a psql session that committed with its gates still open leaves behind
    await pgc.query(
      `UPDATE dot_config SET value = 'true' WHERE key IN ('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled')`,
    );

    const lead = await pgc.lead(browser);
    const page = await lead.newPage();
    for (const path of ['/', '/templates', '/events', '/actors', '/rollback', '/audit', '/gates']) {
      await page.goto(path);
      const banner = page.getByTestId('gate-leak-banner');
      await expect(banner, `banner on ${path}`).toBeVisible();
      await expect(banner).toContainText(
        'Gate leak: iu_core.composer_enabled, iu_core.auto_instantiate_enabled are open in committed data.',
      );
    }
    await expect(page.getByTestId('gate-iu_core.composer_enabled')).toHaveAttribute('data-state', 'open');
    await expect(page.getByTestId('gate-iu_core.auto_instantiate_enabled')).toHaveAttribute('data-state', 'open');
    await expect(page.getByTestId('gate-iu_core.delivery_enabled')).toHaveAttribute('data-state', 'closed');
    await expect(page.getByTestId('gates-leak')).toBeVisible();
    await expectNoOpenControl(page);
    await shot(page, testInfo, 'gate leak: banner and gates page');

    // refusal: closing without a reason is refused with its sentence, and the gates stay open
    const noReason = await lead.request.post('/api/recipes/close-all-gates', { data: { reason: '' } });
    expect(noReason.status()).toBe(422);
    expect((await noReason.json()).message).toContain('A reason is required for this; say why you are doing it.');
    expect(await gateValues()).toMatchObject({
      'iu_core.composer_enabled': 'true',
      'iu_core.auto_instantiate_enabled': 'true',
    });

    // from the banner, through the confirm dialog
    await page.goto('/events');
    await page.getByTestId('gate-leak-banner').getByRole('button', { name: 'Close all gates…' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toBeVisible();
    const confirmBtn = dialog.getByTestId('confirm-button');
    await expect(confirmBtn).toBeDisabled();
    await dialog.getByLabel(/Type to confirm/).fill('close all');
    await dialog
      .getByLabel('Reason (kept in the audit trail)')
      .fill('e2e: a psql session committed with its gates open');
    await expect(confirmBtn).toBeDisabled();
    await dialog.getByLabel(/Type to confirm/).fill('close all gates');
    await expect(confirmBtn).toBeEnabled();
    await expect(confirmBtn).toHaveClass(/\bbg-red-700\b/);
    await shot(page, testInfo, 'close all gates dialog', false);
    await confirmBtn.click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('gate-leak-banner')).toHaveCount(0);
    expect(await gateValues()).toEqual(Object.fromEntries(GATES.map((g) => [g, 'false'])));
    const closed = (await auditRows(lead)).find((r) => r.recipe === 'close_all_gates' && r.decision === 'ok')!;
    expect(closed).toMatchObject({ username: 'admin', mode: 'admin', committed: true });
    expect((closed as unknown as { reason: string }).reason).toBe('e2e: a psql session committed with its gates open');
    await page.goto('/gates');
    await expect(page.getByTestId('gates-all-closed')).toBeVisible();
    await shot(page, testInfo, 'gates closed again');
    await lead.close();
  });
});

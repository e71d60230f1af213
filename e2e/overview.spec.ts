import { expect, test } from '@playwright/test';
import { ADMIN, signIn } from './helpers';

const GATES = [
  'iu_core.composer_enabled',
  'iu_core.auto_instantiate_enabled',
  'iu_core.delivery_enabled',
  'iu_core.retention_enabled',
];

test.describe('overview', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, ADMIN.username, ADMIN.password);
  });

  test('shows the four gates closed, the applied migrations and the seeded counts', async ({ page }, testInfo) => {
    await page.goto('/');

    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByText('IU Core Console').first()).toBeVisible();
    await expect(page.getByTestId('signed-in-as')).toContainText('admin');
    await expect(page.getByTestId('gate-leak-banner')).toHaveCount(0);
    await expect(page.getByTestId('database-unavailable')).toHaveCount(0);

    for (const key of GATES) {
      const gate = page.getByTestId(`gate-${key}`);
      await expect(gate).toBeVisible();
      await expect(gate).toHaveAttribute('data-state', 'closed');
      await expect(gate.getByText('Closed', { exact: true })).toBeVisible();
    }
    await expect(page.getByText('Never enable iu_core.delivery_enabled without explicit authority.')).toBeVisible();
    await expect(page.getByText('Never enable iu_core.retention_enabled without a candidates audit.')).toBeVisible();

    for (const version of ['001', '031', '032', '033', '040', '041']) {
      const row = page.getByTestId(`migration-${version}`);
      await expect(row).toHaveAttribute('data-applied', 'true');
      await expect(row.getByText('Applied', { exact: true })).toBeVisible();
    }
    await expect(page.getByTestId('auto-instantiate-off')).toHaveCount(0);

    const templates = Number(
      await page.getByTestId('count-templates').locator('[data-value]').getAttribute('data-value'),
    );
    expect(templates).toBeGreaterThan(0);
    await expect(page.getByTestId('database-label')).toContainText('PGlite');

    await testInfo.attach('overview', {
      body: await page.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });
  });

  test('reports health as JSON with every migration applied to a signed-in viewer, and only liveness to anyone else', async ({
    page,
    request,
  }) => {
    const res = await page.request.get('/api/health');
    expect(res.ok()).toBe(true);
    const body = await res.json();
    expect(body.ok).toBe(true);
    expect(body.database.kind).toBe('pglite');
    expect(body.migrations.applied).toEqual(expect.arrayContaining(['001', '031', '032', '033', '040', '041']));
    expect(body.migrations.pending).toEqual([]);
    expect(body.leakedGates).toEqual([]);

    const anon = await request.get('/api/health');
    expect(await anon.json()).toEqual({ ok: true });
  });

  test('answers an unknown address with the not-found page', async ({ page }) => {
    const res = await page.goto('/no-such-page');
    expect(res?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'This page does not exist.' })).toBeVisible();
  });
});

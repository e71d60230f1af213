// Trusted-header sign-in: identity headers count only from a configured proxy address.
import { expect, test } from '@playwright/test';
import { TRUSTED_PORT, UNTRUSTED_PORT } from '../playwright.config';

const forged = { 'X-Forwarded-User': 'mallory', 'X-Forwarded-Groups': 'ops-leads' };

test('a forged identity header from an address that is not a trusted proxy is ignored', async ({
  browser,
}, testInfo) => {
  const ctx = await browser.newContext({ baseURL: `http://localhost:${UNTRUSTED_PORT}`, extraHTTPHeaders: forged });
  const page = await ctx.newPage();
  await page.goto('/users');
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect((await ctx.request.get('/api/audit')).status()).toBe(401);
  const r = await ctx.request.post('/api/recipes/close-all-gates', { data: { reason: 'forged' } });
  expect(r.status()).toBe(401);
  await testInfo.attach('forged header ignored', {
    body: await page.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });
  await ctx.close();
});

test('the same headers from a trusted proxy sign the user in, with the role of their groups', async ({
  browser,
}, testInfo) => {
  const lead = await browser.newContext({
    baseURL: `http://localhost:${TRUSTED_PORT}`,
    extraHTTPHeaders: { 'X-Forwarded-User': 'sso-lena', 'X-Forwarded-Groups': 'ops-leads' },
  });
  const page = await lead.newPage();
  await page.goto('/users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toContainText('sso-lena');
  await expect(page.getByTestId('user-sso-lena')).toContainText('(SSO)');
  await testInfo.attach('signed in by the proxy', {
    body: await page.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });

  const reader = await browser.newContext({
    baseURL: `http://localhost:${TRUSTED_PORT}`,
    extraHTTPHeaders: { 'X-Forwarded-User': 'sso-rex', 'X-Forwarded-Groups': 'ops-readers' },
  });
  const rp = await reader.newPage();
  await rp.goto('/');
  await expect(rp.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await rp.goto('/users');
  await expect(rp.getByTestId('not-allowed')).toBeVisible();
  expect((await reader.request.post('/api/recipes/close-all-gates', { data: { reason: 'try' } })).status()).toBe(403);
  await lead.close();
  await reader.close();
});

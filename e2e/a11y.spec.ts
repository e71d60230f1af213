// axe (WCAG 2.1 A and AA) over every page state the journeys visit: each page as a viewer, an
// operator and a lead, the event drawer, the plan panel after a dry run, the confirm dialogs
// open, the bulk form and its preflight, the users page after an add, the sign-in page, the 404
// page, the phone menu open and the offline banner. Not one critical or serious finding is allowed.
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, composeTemplate, consolePages, contextAs, expectAxeClean } from './helpers';
import { makeInstance, seededTemplates } from './rollback-helpers';
import { withoutApprovals } from './approval-policy';

// the rollback and bulk dialogs are the recipes' own, not an approval request's
test.beforeAll(({ browser }) => withoutApprovals(browser));

const ROLES = [
  { username: 'a11y-viewer', role: 'viewer' },
  { username: 'a11y-operator', role: 'operator' },
  { username: ADMIN.username, role: 'lead' },
] as const;

async function visit(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator('h1').first()).toBeVisible();
}

for (const { username, role } of ROLES) {
  test(`every page a ${role} can open is axe-clean`, async ({ browser }) => {
    test.setTimeout(180_000);
    const ctx = await contextAs(browser, username, role);
    const page = await ctx.newPage();
    for (const url of await consolePages(page)) {
      await visit(page, url);
      await expectAxeClean(page, `${url} as ${role}`);
    }
    await ctx.close();
  });
}

test('the sign-in page, the 404 page and the phone menu are axe-clean', async ({ browser }) => {
  const anon = await browser.newContext();
  const page = await anon.newPage();
  await visit(page, '/sign-in');
  await expectAxeClean(page, 'the sign-in page');
  await anon.close();

  const ctx = await contextAs(browser, ADMIN.username, 'lead');
  const p = await ctx.newPage();
  const res = await p.goto('/no-such-page');
  expect(res?.status()).toBe(404);
  await expectAxeClean(p, 'the 404 page');

  await p.setViewportSize({ width: 390, height: 844 });
  await visit(p, '/');
  await p.getByRole('button', { name: 'Menu' }).click();
  await expect(p.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expectAxeClean(p, 'the phone menu open');
  await ctx.close();
});

test('the plan panel after a dry run and the live confirm dialog are axe-clean', async ({ browser }) => {
  // an account of its own: a worker restarted after an earlier failure forgets the accounts it made
  const ctx = await contextAs(browser, 'a11y-plan-operator', 'operator');
  const admin = await contextAs(browser, ADMIN.username, 'lead');
  const tpl = await composeTemplate(admin, `a11y-${Date.now().toString(36)}`);
  await admin.close();
  const page = await ctx.newPage();
  await visit(page, '/instantiate');
  await page.getByRole('button', { name: 'Generate a new event id' }).click();
  await page.getByLabel('Template').selectOption(tpl.id);
  await page.getByLabel('Unique suffix').fill(`a11y-${Date.now().toString(36)}`);
  await page.getByRole('button', { name: 'Dry run' }).click();
  await expect(page.getByTestId('instantiate-result')).toHaveAttribute('data-kind', 'preview');
  await expectAxeClean(page, 'the instantiate plan panel after a dry run');
  await page.getByRole('button', { name: 'Run live…' }).click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await expectAxeClean(page, 'the live confirm dialog');
  await page.keyboard.press('Escape');
  await ctx.close();
});

test('the rollback dry run and its confirm dialog are axe-clean', async ({ browser }) => {
  const admin = await contextAs(browser, ADMIN.username, 'lead');
  const [tpl] = await seededTemplates(admin);
  const runTag = `a11y-${Date.now().toString(36)}`;
  await makeInstance(admin, tpl, runTag, 'dry_run');
  const page = await admin.newPage();
  await visit(page, `/rollback?actor=${encodeURIComponent(`${ADMIN.username}:${runTag}`)}`);
  await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
  await expect(page.getByTestId('dry-run-result')).toHaveAttribute('data-count', '1');
  await expectAxeClean(page, 'the rollback dry run');
  await page.getByTestId('open-confirm').click();
  await expect(page.getByRole('alertdialog')).toBeVisible();
  await expectAxeClean(page, 'the rollback confirm dialog');
  await page.keyboard.press('Escape');
  await admin.close();
});

test('the users page after an add and the offline banner are axe-clean', async ({ browser }) => {
  const admin = await contextAs(browser, ADMIN.username, 'lead');
  const page = await admin.newPage();
  await visit(page, '/users');
  const form = page.getByTestId('add-user-form');
  await form.getByLabel('User name').fill(`a11y-added-${Date.now().toString(36)}`);
  await form.getByLabel('Reason').fill('checking the page after an add');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByTestId('one-time-password')).toBeVisible();
  await expectAxeClean(page, 'the users page after an add');

  // the banner itself; the page under it is dimmed on purpose while its data may be stale
  await visit(page, '/');
  await page.route('**/api/activity/version', (r) => r.abort('connectionrefused'));
  await expect(page.getByTestId('offline-banner')).toBeVisible({ timeout: 20_000 });
  await expectAxeClean(page, 'the offline banner', '[data-testid="offline-banner"]');
  await admin.close();
});

test('the bulk form with a bad prefix, its preflight and its live confirm dialog are axe-clean', async ({
  browser,
}) => {
  const ctx = await contextAs(browser, 'a11y-bulk-operator', 'operator');
  const page = await ctx.newPage();
  await visit(page, '/bulk');
  const form = page.getByTestId('bulk-form');
  await form.getByLabel('Event-id prefix').fill('25000bk0-');
  await expect(page.getByTestId('prefix-message')).toContainText('must be hexadecimal');
  await expectAxeClean(page, 'the bulk form with a bad prefix');

  const hex = crypto.randomUUID().slice(0, 8);
  await form.getByLabel('N (number of events)').fill('3');
  await form.getByLabel('Event-id prefix').fill(`${hex}-`);
  await form.getByLabel('Batch tag').fill(`a11y-${hex}`);
  await form.getByLabel('Mode').selectOption('live');
  await form.getByRole('button', { name: 'Run preflight' }).click();
  await expect(page.getByTestId('preflight').getByTestId('job-status')).toHaveText('succeeded', { timeout: 60_000 });
  await expectAxeClean(page, 'the bulk preflight');
  await form.getByRole('button', { name: 'Run live…' }).click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await expectAxeClean(page, 'the bulk live confirm dialog');
  await page.keyboard.press('Escape');
  await ctx.close();
});

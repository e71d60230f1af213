import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { ADMIN, contextAs, signIn, shot } from './helpers';

// Journeys of reviewers and leads over the demo seed (PGlite, seeded by scripts/start.sh).

test.describe('observability journeys', () => {
  // Reviewers browse as viewers; the lead journeys sign in as the first lead.
  test.beforeEach(async ({ page, browser }, testInfo) => {
    if (/\ba lead\b/.test(testInfo.title)) {
      await signIn(page, ADMIN.username, ADMIN.password);
      return;
    }
    const viewer = await contextAs(browser, 'obs-reviewer', 'viewer');
    const { cookies } = await viewer.storageState();
    await viewer.close();
    await page.context().addCookies(cookies);
  });

  test('a reviewer finds an event by actor and date, opens it and follows it to its instance', async ({
    page,
  }, testInfo) => {
    await page.goto('/events');
    await page.getByLabel('Actor').selectOption('bikram');
    await page.getByLabel('Mode').selectOption('live');
    await page.getByLabel('Status').selectOption('ok');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/actor=bikram/);
    const first = page.getByTestId('event-row').first();
    const day = (await first.locator('td').first().innerText()).slice(0, 10);

    await page.getByLabel('From', { exact: true }).fill(day);
    await page.getByLabel('To', { exact: true }).fill(day);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(new RegExp(`from=${day}.*to=${day}|to=${day}.*from=${day}`));
    const rows = page.getByTestId('event-row');
    await expect(rows.first()).toBeVisible();
    for (const text of await rows.locator('td:nth-child(2)').allInnerTexts()) expect(text).toBe('bikram');
    for (const text of await rows.locator('td:nth-child(1)').allInnerTexts()) expect(text.slice(0, 10)).toBe(day);

    // the filtered view is a link that can be shared
    const shared = page.url();
    await page.goto(shared);
    await expect(rows.first()).toBeVisible();

    await rows.first().locator('td').first().getByRole('link').click();
    const drawer = page.getByTestId('event-drawer');
    await expect(drawer).toBeVisible();
    await expect(drawer).toContainText('bikram');
    await shot(page, testInfo, 'events-drawer');
    const instanceKey = await drawer.getByTestId('drawer-instance-link').innerText();
    await drawer.getByTestId('drawer-instance-link').click();
    await expect(page.getByRole('heading', { level: 1, name: instanceKey })).toBeVisible();
    await expect(page.getByTestId('instance-facts')).toContainText('bikram');
    await shot(page, testInfo, 'instance');
  });

  test('a reviewer compares v2 and v3 of a template family', async ({ page }, testInfo) => {
    await page.goto('/templates');
    await expect(page.getByTestId('template-row').first()).toBeVisible();
    await shot(page, testInfo, 'templates');
    // the table's filters and sort are the address, and a sort keeps the filter
    await page.getByLabel('Family').fill('tpl:design-review');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/family=tpl%3Adesign-review/);
    const rows = page.getByTestId('template-row');
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    for (const family of await rows.locator('td:nth-child(2)').allInnerTexts())
      expect(family).toBe('tpl:design-review');
    await page.getByTestId('sort-version').click();
    await expect(page).toHaveURL(/family=tpl%3Adesign-review.*sort=version|sort=version.*family=tpl%3Adesign-review/);
    await expect(rows.first().locator('td').nth(2)).toHaveText('v1');
    await page.getByTestId('sort-version').click();
    await expect(page).toHaveURL(/dir=desc/);
    await expect(rows.last().locator('td').nth(2)).toHaveText('v1');
    await shot(page, testInfo, 'templates of one family, newest version first');
    await page.getByTestId('family-link').filter({ hasText: 'tpl:design-review' }).click();
    await expect(page.getByTestId('version-chain')).toContainText('v1');
    await expect(page.getByTestId('version-v3')).toContainText('chen');
    await page.getByLabel('From version').selectOption('v2');
    await page.getByLabel('To version').selectOption('v3');
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(page.getByTestId('diff-summary')).toHaveText('v2 → v3: 1 added, 0 removed, 2 changed, 7 reused.');
    await expect(page.getByTestId('diff-observability')).toHaveAttribute('data-kind', 'added');
    await expect(page.getByTestId('diff-rollout')).toHaveAttribute('data-kind', 'changed');
    await expect(page.getByTestId('diff-title')).toHaveAttribute('data-kind', 'reused');
    await shot(page, testInfo, 'family-diff');
  });

  test('a lead exports a filtered event log and the file holds exactly the filtered rows', async ({
    page,
  }, testInfo) => {
    await page.goto('/events?actor=dana%3Acanary-3&rolledBack=yes');
    await expect(page.getByTestId('event-row').first()).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^iu-events-.*\.csv$/);
    const csv = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe(
      'id,event_id,event_type,template_collection_id,template_collection_key,template_family,template_version_label,instance_collection_id,instance_collection_key,unique_suffix,emit_mode,status,triggered_by,note,replay_of_event_log_id,created_at,rolled_back_at,rolled_back_by',
    );
    const rows = csv.slice(1);
    expect(rows.length).toBeGreaterThan(0);
    const header = csv[0].split(',');
    for (const line of rows) {
      const cells = line.split(',');
      expect(cells[header.indexOf('triggered_by')]).toBe('dana:canary-3');
      expect(cells[header.indexOf('rolled_back_by')]).toBe('alice');
    }
    const json = await (
      await page.request.get('/api/events/export?format=json&actor=dana%3Acanary-3&rolledBack=yes')
    ).json();
    expect(json).toHaveLength(rows.length);
    await testInfo.attach('export.csv', { body: csv.join('\n'), contentType: 'text/csv' });
  });

  test('a lead filters the console audit trail and exports exactly the filtered rows', async ({
    page,
    browser,
  }, testInfo) => {
    // adding a user is an audited admin action, so the trail has at least one such row
    await (await contextAs(browser, 'obs-reviewer', 'viewer')).close();
    await page.goto('/audit');
    const filters = page.getByTestId('audit-filters');
    await filters.getByLabel('Mode').selectOption('admin');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/mode=admin/);
    const shown = page.locator('[data-testid^="audit-"][data-recipe]');
    await expect(shown.first()).toBeVisible();
    await shot(page, testInfo, 'audit-filtered');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-csv').click()]);
    expect(download.suggestedFilename()).toBe('console-audit.csv');
    const csv = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    const header = csv[0].split(',');
    expect(header.slice(0, 9)).toEqual([
      'id',
      'started_at',
      'finished_at',
      'username',
      'role',
      'recipe',
      'mode',
      'decision',
      'status',
    ]);
    expect(csv.length - 1).toBe(await shown.count());
    for (const line of csv.slice(1)) expect(line.split(',')[header.indexOf('mode')]).toBe('admin');
    const json = await (await page.request.get('/api/audit?format=json&mode=admin')).json();
    expect(json).toHaveLength(csv.length - 1);
  });

  test("a lead follows an actor's timeline to the rollback entry point", async ({ page }, testInfo) => {
    await page.goto('/actors');
    await shot(page, testInfo, 'actors');
    await page.getByTestId('actor-row').getByRole('link', { name: 'dana:canary-3', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'dana:canary-3' })).toBeVisible();
    await expect(page.getByTestId('timeline-rolled_back').first()).toContainText('rolled back by alice');
    await expect(page.getByTestId('timeline-instance').first()).toBeVisible();
    await shot(page, testInfo, 'actor-timeline');
    const entry = page.getByTestId('rollback-entry');
    await expect(entry).toHaveAttribute('href', '/rollback?actor=dana%3Acanary-3');
    await entry.click();
    await page.waitForURL(/\/rollback\?actor=dana%3Acanary-3$/);
  });

  test('the overview and summary show counts, charts and a pausable auto-refresh; no page offers a mutation', async ({
    page,
  }, testInfo) => {
    await page.goto('/');
    // the demo data's two families, and any that journeys composing families of their own made
    const families = Number(
      await page.getByTestId('count-families').locator('[data-value]').getAttribute('data-value'),
    );
    expect(families).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('chart-events-over-time')).toBeVisible();
    await expect(page.getByTestId('recent-activity').locator('li').first()).toBeVisible();
    const refresh = page.getByTestId('auto-refresh').first();
    await expect(refresh).toHaveAttribute('data-paused', 'false');
    await refresh.getByRole('button', { name: 'Pause' }).click();
    await expect(refresh).toHaveAttribute('data-paused', 'true');
    await refresh.getByRole('button', { name: 'Resume' }).click();
    await shot(page, testInfo, 'overview');
    await page.goto('/summary');
    await expect(page.getByTestId('summary-row').first()).toBeVisible();
    await shot(page, testInfo, 'summary');
    for (const path of [
      '/',
      '/templates',
      '/templates/families/tpl%3Adesign-review',
      '/events',
      '/summary',
      '/actors',
      '/actors/alice',
    ]) {
      await page.goto(path);
      // read-only pages: the only forms in the page are GET filters/compare forms (the
      // sidebar's sign-out is the one POST a viewer has)
      for (const method of await page
        .locator('main form')
        .evaluateAll((fs) => fs.map((f) => (f as HTMLFormElement).method))) {
        expect(method).toBe('get');
      }
    }
  });
});

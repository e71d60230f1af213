import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { withoutApprovals } from './approval-policy';
import {
  ADMIN,
  composeTemplate,
  composeVersion,
  contextAs,
  liveInstance,
  newPiece,
  rollBackActor,
  signIn,
  shot,
  uuid,
  type OwnTemplate,
} from './helpers';

// Journeys of reviewers and leads. What they read they made first, through the recipes route: a
// family with two versions, an actor with live instances and one whose instances a lead rolled
// back. So they hold whatever other journeys did to the shared demo data, in any order.

const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const MAKER = 'obs-maker';
const LIVE = `${MAKER}:live-${stamp}`;
const GONE = `${MAKER}:gone-${stamp}`;
const FAMILY = `obs-${stamp}`;
let v2: OwnTemplate;

test.describe('observability journeys', () => {
  test.beforeAll(async ({ browser }, testInfo) => {
    // it makes a family, live instances and a rolled-back actor: more than a minute under load
    testInfo.setTimeout(240_000);
    // the rolled-back actor it reads is made by a lead's durable rollback alone
    await withoutApprovals(browser);
    const op = await contextAs(browser, MAKER, 'operator');
    const v1 = await composeTemplate(op, FAMILY);
    const kept = (role: string) => ({ role, iuId: v1.pieces.find((p) => p.role === role)!.iuId });
    // v1 → v2: the context changed, a rollout piece added, the rest reused
    v2 = await composeVersion(
      op,
      FAMILY,
      [
        kept('title'),
        newPiece(FAMILY, 'v2', 'context', 'The context, rewritten.'),
        kept('risks'),
        kept('alternatives'),
        newPiece(FAMILY, 'v2', 'rollout'),
      ],
      v1,
    );
    for (const [tag, n] of [
      [LIVE, 2],
      [GONE, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await liveInstance(op, v2, { eventId: uuid(), suffix: `${tag.split(':')[1]}-${i}`, tag: tag.split(':')[1] });
      }
    }
    await op.close();
    const lead = await contextAs(browser, ADMIN.username, 'lead');
    await rollBackActor(lead, GONE);
    await lead.close();
  });

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
    await page.getByLabel('Actor').selectOption(LIVE);
    await page.getByLabel('Mode').selectOption('live');
    await page.getByLabel('Status').selectOption('ok');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(new RegExp(`actor=${encodeURIComponent(LIVE)}`));
    const first = page.getByTestId('event-row').first();
    const day = (await first.locator('td').first().innerText()).slice(0, 10);

    await page.getByLabel('From', { exact: true }).fill(day);
    await page.getByLabel('To', { exact: true }).fill(day);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(new RegExp(`from=${day}.*to=${day}|to=${day}.*from=${day}`));
    const rows = page.getByTestId('event-row');
    await expect(rows.first()).toBeVisible();
    await expect(rows).toHaveCount(2);
    for (const text of await rows.locator('td:nth-child(2)').allInnerTexts()) expect(text).toBe(LIVE);
    for (const text of await rows.locator('td:nth-child(1)').allInnerTexts()) expect(text.slice(0, 10)).toBe(day);

    // the filtered view is a link that can be shared
    const shared = page.url();
    await page.goto(shared);
    await expect(rows.first()).toBeVisible();

    await rows.first().locator('td').first().getByRole('link').click();
    const drawer = page.getByTestId('event-drawer');
    await expect(drawer).toBeVisible();
    await expect(drawer).toContainText(LIVE);
    await shot(page, testInfo, 'events-drawer');
    const instanceKey = await drawer.getByTestId('drawer-instance-link').innerText();
    await drawer.getByTestId('drawer-instance-link').click();
    await expect(page.getByRole('heading', { level: 1, name: instanceKey })).toBeVisible();
    await expect(page.getByTestId('instance-facts')).toContainText(LIVE);
    await shot(page, testInfo, 'instance');
  });

  test('a reviewer compares v1 and v2 of a template family', async ({ page }, testInfo) => {
    await page.goto('/templates');
    await expect(page.getByTestId('template-row').first()).toBeVisible();
    await shot(page, testInfo, 'templates');
    // the table's filters and sort are the address, and a sort keeps the filter
    await page.getByLabel('Family').fill(`tpl:${FAMILY}`);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(new RegExp(`family=tpl%3A${FAMILY}`));
    const rows = page.getByTestId('template-row');
    await expect(rows).toHaveCount(2);
    for (const family of await rows.locator('td:nth-child(2)').allInnerTexts()) expect(family).toBe(`tpl:${FAMILY}`);
    await page.getByTestId('sort-version').click();
    await expect(page).toHaveURL(
      new RegExp(`family=tpl%3A${FAMILY}.*sort=version|sort=version.*family=tpl%3A${FAMILY}`),
    );
    await expect(rows.first().locator('td').nth(2)).toHaveText('v1');
    await page.getByTestId('sort-version').click();
    await expect(page).toHaveURL(/dir=desc/);
    await expect(rows.last().locator('td').nth(2)).toHaveText('v1');
    await shot(page, testInfo, 'templates of one family, newest version first');
    await page
      .getByTestId('family-link')
      .filter({ hasText: `tpl:${FAMILY}` })
      .first()
      .click();
    await expect(page.getByTestId('version-chain')).toContainText('v1');
    await expect(page.getByTestId('version-v2')).toContainText(MAKER);
    await page.getByLabel('From version').selectOption('v1');
    await page.getByLabel('To version').selectOption('v2');
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(page.getByTestId('diff-summary')).toHaveText('v1 → v2: 1 added, 0 removed, 1 changed, 3 reused.');
    await expect(page.getByTestId('diff-rollout')).toHaveAttribute('data-kind', 'added');
    await expect(page.getByTestId('diff-context')).toHaveAttribute('data-kind', 'changed');
    await expect(page.getByTestId('diff-title')).toHaveAttribute('data-kind', 'reused');
    await shot(page, testInfo, 'family-diff');
  });

  test('a lead exports a filtered event log and the file holds exactly the filtered rows', async ({
    page,
  }, testInfo) => {
    await page.goto(`/events?actor=${encodeURIComponent(GONE)}&rolledBack=yes`);
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
    expect(rows).toHaveLength(2);
    const header = csv[0].split(',');
    for (const line of rows) {
      const cells = line.split(',');
      expect(cells[header.indexOf('triggered_by')]).toBe(GONE);
      expect(cells[header.indexOf('rolled_back_by')]).toBe(ADMIN.username);
    }
    const json = await (
      await page.request.get(`/api/events/export?format=json&actor=${encodeURIComponent(GONE)}&rolledBack=yes`)
    ).json();
    expect(json).toHaveLength(rows.length);
    await testInfo.attach('export.csv', { body: csv.join('\n'), contentType: 'text/csv' });
  });

  test('a lead filters the console audit trail and exports exactly the filtered rows', async ({
    page,
    browser,
  }, testInfo) => {
    // a lead of its own adds a user (an audited admin action): the other journeys add users and
    // change the policy too, so the filter names this lead and the rows are exactly known
    const auditor = `obs-auditor-${Date.now().toString(36)}`;
    const lead = await contextAs(browser, auditor, 'lead');
    const added = await lead.request.post('/api/users', {
      data: { username: `${auditor}-new`, role: 'viewer', reason: 'e2e: an admin row of its own' },
    });
    expect(added.status(), await added.text()).toBe(200);
    await lead.close();
    await page.goto('/audit');
    const filters = page.getByTestId('audit-filters');
    await filters.getByRole('textbox', { name: 'User', exact: true }).fill(auditor);
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
    expect(csv.length - 1).toBeGreaterThanOrEqual(1);
    const json = await (await page.request.get(`/api/audit?format=json&mode=admin&username=${auditor}`)).json();
    expect(json).toHaveLength(csv.length - 1);
  });

  test("a lead follows an actor's timeline to the rollback entry point", async ({ page }, testInfo) => {
    await page.goto('/actors');
    await shot(page, testInfo, 'actors');
    await page.getByTestId('actor-row').getByRole('link', { name: GONE, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: GONE })).toBeVisible();
    await expect(page.getByTestId('timeline-rolled_back').first()).toContainText(`rolled back by ${ADMIN.username}`);
    await expect(page.getByTestId('timeline-instance').first()).toBeVisible();
    await shot(page, testInfo, 'actor-timeline');
    const entry = page.getByTestId('rollback-entry');
    await expect(entry).toHaveAttribute('href', `/rollback?actor=${encodeURIComponent(GONE)}`);
    await entry.click();
    await page.waitForURL((u) => u.pathname === '/rollback' && u.searchParams.get('actor') === GONE);
  });

  test('the overview and summary show counts, charts and a pausable auto-refresh; no page offers a mutation', async ({
    page,
  }, testInfo) => {
    await page.goto('/');
    // this journey's family at least, whatever others made
    const families = Number(
      await page.getByTestId('count-families').locator('[data-value]').getAttribute('data-value'),
    );
    expect(families).toBeGreaterThanOrEqual(1);
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
      `/templates/families/${encodeURIComponent(`tpl:${FAMILY}`)}`,
      '/events',
      '/summary',
      '/actors',
      `/actors/${encodeURIComponent(LIVE)}`,
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

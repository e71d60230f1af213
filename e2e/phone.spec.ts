// The console on a phone (390 × 844): every page each role can open fits the screen, the
// navigation folds behind a menu button that keyboards and screen readers can work, tables
// scroll inside their card with the first column kept, a live page says when its refresh
// fails and since when its data is stale, and the users page names whose one-time password
// it shows. Screenshots go to E2E_SHOTS_DIR when set.
import { expect, test, type Browser, type Page, type Request } from '@playwright/test';
import { ADMIN, consolePages, contextAs, expectNoSidewaysScroll, shot, signIn } from './helpers';

const PHONE = { width: 390, height: 844 };
const ROLES = [
  { username: 'phone-viewer', role: 'viewer' },
  { username: 'phone-operator', role: 'operator' },
  { username: ADMIN.username, role: 'lead' },
] as const;

async function phonePage(browser: Browser, username: string, role: 'viewer' | 'operator' | 'lead'): Promise<Page> {
  const ctx = await contextAs(browser, username, role);
  const page = await ctx.newPage();
  await page.setViewportSize(PHONE);
  return page;
}

for (const { username, role } of ROLES) {
  test(`every page a ${role} can open fits a 390 px screen`, async ({ browser }, testInfo) => {
    test.setTimeout(180_000);
    const page = await phonePage(browser, username, role);
    const pages = await consolePages(page);
    expect(pages.length).toBeGreaterThan(6);
    for (const url of pages) {
      const res = await page.goto(url);
      expect(res?.status(), url).toBeLessThan(400);
      await expect(page.locator('main h1').first()).toBeVisible();
      await expectNoSidewaysScroll(page, `${url} as ${role}`);
    }
    await shot(page, testInfo, `phone ${role} last page`);
    await page.context().close();
  });
}

test('on a phone the navigation opens from a menu button, by keyboard too, and Escape closes it', async ({
  browser,
}, testInfo) => {
  const page = await phonePage(browser, ADMIN.username, 'lead');
  await page.goto('/');
  const menu = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await shot(page, testInfo, 'phone nav closed', false);

  // the skip link comes first, then the menu button
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(menu).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav.getByRole('link', { name: 'Event log' })).toBeVisible();
  for (const id of (await menu.getAttribute('aria-controls'))!.split(' ')) {
    await expect(page.locator(`[id="${id}"]`)).toBeVisible();
  }
  await shot(page, testInfo, 'phone nav open', false);

  // Escape from inside the menu closes it and puts focus back on the button
  await nav.getByRole('link', { name: 'Templates' }).focus();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();

  // following a link closes the menu on the page it opens
  await menu.click();
  await nav.getByRole('link', { name: 'Event log' }).click();
  await expect(page).toHaveURL(/\/events$/);
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();

  // the skip link takes keyboard focus past the navigation to the page
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#content')).toBeFocused();

  // from 768 px the navigation is always there and the button is gone
  await page.setViewportSize({ width: 1024, height: 800 });
  await expect(nav).toBeVisible();
  await expect(menu).toBeHidden();
  await page.context().close();
});

test('a page being opened shows a loading skeleton until it arrives', async ({ browser }, testInfo) => {
  const page = await phonePage(browser, ADMIN.username, 'lead');
  await page.setViewportSize({ width: 1024, height: 800 });
  // the skeleton shows at once only when the router already holds the summary's loading boundary,
  // which its prefetch brings (on sight, or on hover). On a loaded machine that prefetch can come
  // after the first quiet moment, and a click before it waits for the whole page instead; so the test
  // waits until a prefetch of the page itself (not only the route tree) was answered and read. The
  // router may stop reading a prefetch once it has what it needs, so a read that ends in an abort
  // after its answer counts too.
  const answered = new Set<Request>();
  let prefetched = false;
  const isPagePrefetch = (r: Request) =>
    new URL(r.url()).pathname === '/summary' &&
    r.headers()['next-router-prefetch'] === '1' &&
    r.headers()['next-router-segment-prefetch'] !== '/_tree';
  page.on('response', (r) => {
    if (isPagePrefetch(r.request()) && r.ok()) answered.add(r.request());
  });
  const ended = (r: Request) => {
    if (answered.has(r)) prefetched = true;
  };
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  await page.goto('/');
  await page.waitForLoadState('networkidle');
  const summaryLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Summary' });
  await summaryLink.hover();
  await expect.poll(() => prefetched, { message: 'the summary page was prefetched', timeout: 20_000 }).toBe(true);
  // from the click on, the summary page's server render answers 2 s late, as on a slow first
  // request; prefetches are left alone, or a late one would hold the skeleton back too
  let slow = false;
  await page.route(
    (u) => u.pathname === '/summary',
    async (r) => {
      if (slow && !r.request().headers()['next-router-prefetch']) await new Promise((done) => setTimeout(done, 2000));
      await r.continue();
    },
  );
  slow = true;
  await summaryLink.click();
  await expect(page.getByTestId('page-loading')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Loading the page…' })).toBeAttached();
  await shot(page, testInfo, 'loading skeleton', false);
  await expect(page.getByRole('heading', { level: 1, name: 'Summary' })).toBeVisible();
  await expect(page.getByTestId('page-loading')).toHaveCount(0);
  await page.context().close();
});

test('a wide table scrolls inside its card on a phone and keeps its first column in view', async ({
  browser,
}, testInfo) => {
  const page = await phonePage(browser, ADMIN.username, 'lead');
  await page.goto('/events');
  const scroller = page.locator('.table-scroll').first();
  const sizes = await scroller.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(sizes.scroll, 'the event log table is wider than the phone').toBeGreaterThan(sizes.client);
  const firstCell = page.getByTestId('event-row').first().locator('td').first();
  const before = (await firstCell.boundingBox())!;
  const third = page.getByTestId('event-row').first().locator('td').nth(2);
  const thirdBefore = (await third.boundingBox())!;
  await scroller.evaluate((el) => el.scrollBy({ left: 300 }));
  await expect.poll(async () => (await third.boundingBox())!.x).toBeLessThan(thirdBefore.x - 100);
  expect((await firstCell.boundingBox())!.x).toBeCloseTo(before.x, 0);
  await expectNoSidewaysScroll(page, '/events scrolled');
  await shot(page, testInfo, 'phone event log scrolled', false);

  // on a wide screen the same tables fit their cards
  await page.setViewportSize({ width: 1440, height: 900 });
  for (const url of ['/events', '/audit', '/users']) {
    await page.goto(url);
    await expectNoSidewaysScroll(page, `${url} at 1440 px`);
    await shot(page, testInfo, `wide ${url}`, false);
  }
  await page.context().close();
});

test('a live page says when its refresh fails and since when its data is stale, dims it, and recovers', async ({
  browser,
}, testInfo) => {
  // an account of its own: a worker restarted after an earlier failure forgets the accounts it made
  const page = await phonePage(browser, 'phone-offline-viewer', 'viewer');
  await page.goto('/');
  await expect(page.getByTestId('auto-refresh')).toContainText('Auto-refresh every 5 s');
  // the checks start to fail as if the server had stopped
  const loadedAt = Date.now();
  await page.route('**/api/activity/version', (r) => r.abort('connectionrefused'));
  const banner = page.getByTestId('offline-banner');
  await expect(banner).toBeVisible({ timeout: 20_000 });
  await expect(banner).toHaveAttribute('data-failure', 'unreachable');
  await expect(banner).toContainText(
    /^Offline since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: the console's server does not answer\./,
  );
  await expect(banner).toContainText(/last confirmed current at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(just now\)/);
  // the confirmation time is no later than the failure began: never fresher than it is
  const [since, confirmed] = [...(await banner.textContent())!.matchAll(/(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map(
    (m) => Date.parse(`${m[1].replace(' ', 'T')}Z`),
  );
  expect(confirmed).toBeLessThanOrEqual(since);
  expect(since).toBeGreaterThanOrEqual(Math.floor(loadedAt / 1000) * 1000);
  await expect(page.locator('main#content')).toHaveAttribute('data-stale', 'true');
  await expect(page.getByTestId('auto-refresh')).toContainText('Auto-refresh failing');
  await expectNoSidewaysScroll(page, 'overview offline');
  await shot(page, testInfo, 'phone offline banner', false);

  // the server answers, but without its database
  await page.unroute('**/api/activity/version');
  await page.route('**/api/activity/version', (r) =>
    r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"database unreachable"}' }),
  );
  await expect(banner).toHaveAttribute('data-failure', 'database', { timeout: 20_000 });
  await expect(banner).toContainText(/^Database unreachable since/);

  // back: the banner goes, the data is no longer dimmed
  await page.unroute('**/api/activity/version');
  await expect(banner).toHaveCount(0, { timeout: 20_000 });
  await expect(page.locator('main#content')).not.toHaveAttribute('data-stale', 'true');
  await expect(page.getByTestId('auto-refresh')).toContainText('Auto-refresh every 5 s');
  await page.context().close();
});

test('after two quick adds the users page shows the latest one-time password and names whose it is', async ({
  browser,
}, testInfo) => {
  const page = await phonePage(browser, ADMIN.username, 'lead');
  await page.goto('/users');
  const form = page.getByTestId('add-user-form');
  const tag = Date.now().toString(36);
  for (const name of [`first-${tag}`, `second-${tag}`]) {
    await form.getByLabel('User name').fill(name);
    await form.getByLabel('Reason').fill('two quick adds');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect(page.getByTestId('one-time-password-for')).toHaveAttribute('data-username', name);
  }
  const box = page.getByTestId('one-time-password-for');
  await expect(box).toContainText(`One-time password for second-${tag}`);
  await expect(page.getByTestId(`user-second-${tag}`)).toBeVisible();
  // the box's password is the second user's: it signs them in
  const otp = (await page.getByTestId('one-time-password').textContent())!.trim();
  const other = await browser.newContext();
  await signIn(await other.newPage(), `second-${tag}`, otp);
  await expect(other.pages()[0]).toHaveURL(/\/account\/password$/);
  await other.close();

  // the users table scrolls inside its card, not the page
  await expectNoSidewaysScroll(page, '/users after two adds');
  const card = page.locator('section', { has: page.locator('.table-scroll') });
  const scroller = card.locator('.table-scroll');
  const [c, s] = [(await card.boundingBox())!, (await scroller.boundingBox())!];
  expect(s.x).toBeGreaterThanOrEqual(c.x);
  expect(s.x + s.width).toBeLessThanOrEqual(c.x + c.width + 0.5);
  expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await shot(page, testInfo, 'phone users after add');

  // each row's role select and reason say whose they are
  await expect(page.getByLabel(`Role for second-${tag}`)).toHaveValue('viewer');
  await expect(page.getByLabel(`Reason for changing second-${tag}`)).toBeVisible();
  await page.context().close();
});

test('every page has a title of its own', async ({ browser }) => {
  const ctx = await contextAs(browser, ADMIN.username, 'lead');
  const page = await ctx.newPage();
  const titles = new Map<string, string>();
  // one URL per path: the event drawer (?event=) is the event log with its drawer open
  const urls = [...(await consolePages(page)), '/no-such-page'].filter(
    (u, i, all) => u.startsWith('/search') || all.findIndex((o) => o.split('?')[0] === u.split('?')[0]) === i,
  );
  for (const url of urls) {
    await page.goto(url);
    const title = await page.title();
    expect(title, url).toMatch(/ · IU Core Console$/);
    expect(titles.get(title), `${url} has the same title as ${titles.get(title)}`).toBeUndefined();
    titles.set(title, url);
  }
  expect(titles.get('Page not found · IU Core Console')).toBe('/no-such-page');
  await ctx.close();
});

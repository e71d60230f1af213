// Find anything: a viewer presses / anywhere, pastes an event id and lands in the event log
// with that event's drawer open; pastes an instance key and lands on the instance; a miss says
// so on the result page. Hostile searches answer a page, never a 500. A missing instance or
// template family is an HTTP 404 with a page that says why. Screenshots of each.
import { expect, test, type Browser } from '@playwright/test';
import { composeTemplate, contextAs, liveInstance, shot, uuid } from './helpers';

const stamp = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

interface Made {
  event_id: string;
  instance_collection_id: string;
  instance_collection_key: string;
  template_family: string;
}

/**
 * A live instance this journey made for itself (its own family, event and run tag) through the
 * recipes route, so what it searches for is there whatever other journeys did and in whatever
 * order they ran.
 */
async function ownLiveInstance(browser: Browser, user: string, tag: string): Promise<Made> {
  const op = await contextAs(browser, user, 'operator');
  const tpl = await composeTemplate(op, `srch-${stamp()}`);
  const eventId = uuid();
  const made = await liveInstance(op, tpl, { eventId, suffix: `s-${stamp()}`, tag });
  await op.close();
  return {
    event_id: eventId,
    instance_collection_id: made.instanceId,
    instance_collection_key: made.instanceKey,
    template_family: tpl.family,
  };
}

test.describe('search', () => {
  test('a viewer finds an event by its UUID, an instance by its key, and is told of a miss', async ({
    browser,
  }, testInfo) => {
    const row = await ownLiveInstance(browser, 'srch-maker', `find-${stamp()}`);
    const viewer = await contextAs(browser, 'srch-viewer-a', 'viewer');
    const page = await viewer.newPage();
    await page.goto('/');
    const box = page.getByRole('searchbox', { name: 'Search the console' });
    // the shortcut works once the page's scripts run; before that a / on the page does nothing
    await expect(async () => {
      await page.locator('body').press('/');
      await expect(box).toBeFocused({ timeout: 500 });
    }).toPass();

    await box.fill(row.event_id.toUpperCase());
    await box.press('Enter');
    await page.waitForURL(/\/events\?/);
    expect(new URL(page.url()).searchParams.get('eventId')).toBe(row.event_id);
    const drawer = page.getByTestId('event-drawer');
    await expect(drawer).toBeVisible();
    await expect(drawer.getByTestId('drawer-event-id')).toHaveText(row.event_id);
    await expect(drawer.getByTestId('drawer-instance-link')).toHaveText(row.instance_collection_key);
    await expect(page.getByTestId('event-row').first()).toHaveAttribute('data-event-uuid', row.event_id);
    await expect(page).toHaveTitle('Event log · IU Core Console');
    await shot(page, testInfo, 'search by event UUID opens the drawer');

    // typing / inside a field types a slash: the shortcut leaves fields alone
    await box.fill('');
    await box.press('/');
    await expect(box).toHaveValue('/');
    await box.fill(row.instance_collection_key);
    await box.press('Enter');
    await page.waitForURL(`**/instances/${row.instance_collection_id}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(row.instance_collection_key);
    await expect(page).toHaveTitle(/^Instance /);
    await shot(page, testInfo, 'search by instance key opens the instance');

    const missing = uuid();
    await page.locator('h1').click();
    await page.keyboard.press('/');
    await box.fill(missing);
    await box.press('Enter');
    await page.waitForURL(/\/search\?q=/);
    await expect(page.getByTestId('search-miss')).toContainText(`Nothing matches “${missing}”`);
    await expect(page).toHaveTitle(`Search: ${missing} · IU Core Console`);
    await shot(page, testInfo, 'a search that finds nothing says so');

    // the drawer opens by UUID from an address too
    await page.goto(`/events?event=${row.event_id}`);
    await expect(page.getByTestId('drawer-event-id')).toHaveText(row.event_id);
    await page.goto(`/events?event=${missing}`);
    await expect(page.getByTestId('event-missing')).toContainText(`No event-log row has the event id ${missing}.`);
    await viewer.close();
  });

  test('a name shared by several things lists them by kind', async ({ browser }, testInfo) => {
    // one person with two run tags: a search for the name finds both actors
    const user = 'srch-tagger';
    const row = await ownLiveInstance(browser, user, `one-${stamp()}`);
    await ownLiveInstance(browser, user, `two-${stamp()}`);
    const viewer = await contextAs(browser, 'srch-viewer-b', 'viewer');
    const page = await viewer.newPage();
    // the template family without its tpl: prefix, and the family itself: one thing, so straight to it
    await page.goto(`/search?q=${encodeURIComponent(row.template_family.replace(/^tpl:/, ''))}`);
    await page.waitForURL(/\/templates\/families\//);
    // every actor of that person (this journey's two, and any an earlier try of it made)
    const rows = (await (await viewer.request.get('/api/events/export?format=json')).json()) as {
      triggered_by: string;
    }[];
    const actors = new Set(rows.map((r) => r.triggered_by).filter((a) => a.split(':')[0] === user));
    expect(actors.size).toBeGreaterThanOrEqual(2);
    await page.goto(`/search?q=${encodeURIComponent(user)}`);
    const group = page.getByTestId('search-group-actor');
    await expect(group).toBeVisible();
    await expect(group.getByTestId('search-hit')).toHaveCount(actors.size);
    await expect(page.getByTestId('search-count')).toHaveText(`${actors.size} matches for “${user}”.`);
    await shot(page, testInfo, 'a search with several matches, grouped');
    await viewer.close();
  });

  test('hostile searches answer a page that says what to do, never a 500', async ({ browser }) => {
    const viewer = await contextAs(browser, 'srch-viewer-c', 'viewer');
    const typed = ['\u0000', 'x'.repeat(10_240), "'; DROP TABLE iu_auto_instantiate_event_log; --", '%_\\'].map(
      encodeURIComponent,
    );
    // bytes no text decodes to: half a UTF-16 pair written as UTF-8, a lone 0xFF, a broken escape
    for (const q of [...typed, '%ED%A0%80', '%FF', '%E0%A4%A']) {
      const res = await viewer.request.get(`/search?q=${q}`, { maxRedirects: 0 });
      expect(res.status(), q.slice(0, 20)).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/Nothing matches|Nothing was searched/);
    }
    const page = await viewer.newPage();
    await page.goto(`/search?q=${encodeURIComponent('dana\u0000')}`);
    await expect(page.getByTestId('search-problem')).toContainText('remove it and search again');
    await viewer.close();
  });

  test('a missing instance or template family is a 404 with a page that says why', async ({ browser }, testInfo) => {
    const viewer = await contextAs(browser, 'srch-viewer-d', 'viewer');
    const page = await viewer.newPage();
    const inst = await page.goto(`/instances/${encodeURIComponent('inst:tpl:nothing/v1/none')}`);
    expect(inst?.status()).toBe(404);
    await expect(page.getByTestId('instance-not-found')).toContainText(
      'No instance has the id or key inst:tpl:nothing/v1/none',
    );
    await expect(page).toHaveTitle('Instance not found · IU Core Console');
    await shot(page, testInfo, 'a missing instance is a 404');
    expect((await page.goto(`/instances/${uuid()}`))?.status()).toBe(404);
    const fam = await page.goto(`/templates/families/${encodeURIComponent('tpl:no-such-family')}`);
    expect(fam?.status()).toBe(404);
    await expect(page.getByTestId('family-not-found')).toContainText('No version of tpl:no-such-family is registered.');
    await expect(page).toHaveTitle('Template family not found · IU Core Console');
    await shot(page, testInfo, 'a missing template family is a 404');
    await viewer.close();
  });
});

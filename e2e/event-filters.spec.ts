// The event log's filters at the widths people use beside the menu (1024 and 1280 px) and on
// a wide screen: every control is wide enough to show its value (a day box shows the whole
// day and its calendar button; before, at 1024 px nine columns left each 66 px, "mm,"), the
// From and To boxes line up though their labels differ in length, nothing sticks out of the
// form, and axe finds nothing critical or serious. Screenshots go to E2E_SHOTS_DIR when set.
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, expectAxeClean, expectNoSidewaysScroll, shot, signIn } from './helpers';

/** Each control's box, and for a day box the width it needs to show its value uncut (its max-content width). */
async function controls(page: Page) {
  return page.getByTestId('event-filters').evaluate((form) => {
    const outer = form.getBoundingClientRect();
    return [...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')].map((el) => {
      const box = el.getBoundingClientRect();
      let needs = 0;
      if (el.type === 'date') {
        const probe = el.cloneNode() as HTMLInputElement;
        probe.value = el.value;
        probe.style.width = 'max-content';
        probe.style.position = 'absolute';
        probe.style.visibility = 'hidden';
        form.appendChild(probe);
        needs = probe.getBoundingClientRect().width;
        probe.remove();
      }
      return {
        name: el.name,
        type: el.type,
        width: box.width,
        height: box.height,
        needs,
        top: box.top,
        inside: box.left >= outer.left - 0.5 && box.right <= outer.right + 0.5,
      };
    });
  });
}

for (const width of [1024, 1280, 1600]) {
  test(`the event log's filters fit their values at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height: 768 });
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.goto('/events?from=2026-11-01&to=2026-11-29');
    await expect(page.getByTestId('event-filters')).toBeVisible();
    const all = await controls(page);
    expect(all).toHaveLength(9);
    const days = all.filter((c) => c.type === 'date');
    expect(days.map((d) => d.name)).toEqual(['from', 'to']);
    for (const c of all) {
      expect(c.inside, `${c.name} stays inside the form`).toBe(true);
      // 9.5rem: the grid's narrowest column
      expect(c.width, `${c.name} is ${c.width} px wide`).toBeGreaterThanOrEqual(151);
    }
    for (const d of days) {
      // the probe measured a real day box (a date and its calendar button), not an empty one
      expect(d.needs, `${d.name} needs ${d.needs} px`).toBeGreaterThan(100);
      expect(d.width, `${d.name} shows its whole day`).toBeGreaterThanOrEqual(d.needs);
    }
    // one height for every box, so a row of selects and text boxes lines up
    expect(new Set(all.map((c) => Math.round(c.height))).size, 'one height').toBe(1);
    expect(Math.abs(days[0].top - days[1].top), 'From and To line up').toBeLessThan(1);
    await expect(page.getByLabel('From')).toHaveValue('2026-11-01');
    await expectNoSidewaysScroll(page, `/events at ${width} px`);
    await expectAxeClean(page, `/events filters at ${width} px`, '[data-testid="event-filters"]');
    await shot(page, testInfo, `event filters ${width}`, false);
  });
}

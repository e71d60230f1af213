import { expect, test, type BrowserContext } from '@playwright/test';
import { ADMIN, contextAs, shot } from './helpers';

// The version compare's line and word highlights, and the charts' time range with bars that
// open the event log filtered to them. The family is this journey's own; the chart reads the
// demo seed's events and checks the log against whatever bar it picks.

const context = (n: number, canary: string) =>
  Array.from({ length: 14 }, (_, i) =>
    i === 2
      ? `The canary holds ${canary} of traffic before the next stage.`
      : `Step ${i + 1} of the plan stays as it was.`,
  )
    .concat(n > 1 ? ['A new closing line says who may stop the rollout.'] : [])
    .join('\n');

/** Composes version `n` of `family` through the recipes route (a preview, then its plan applied). */
async function composeVersion(ctx: BrowserContext, family: string, n: number, canary: string) {
  const body = {
    family,
    title: `Journey ${family}`,
    label: `${family} v${n}`,
    pieces: ['title', 'context'].map((role) => ({
      role,
      newPiece: {
        canonicalAddress: `iu_core/template/design/${family}-v${n}/${role}`,
        title: `The ${role}`,
        body: role === 'context' ? context(n, canary) : 'The title says what changes.',
      },
    })),
  };
  const url = '/api/recipes/compose-template-version';
  const preview = await ctx.request.post(url, { data: { ...body, preview: true } });
  const planned = await preview.json();
  expect(preview.status(), JSON.stringify(planned)).toBe(200);
  const res = await ctx.request.post(url, {
    data: {
      ...body,
      preview: false,
      planId: planned.plan.id,
      confirmText: planned.result.collectionKey,
      reason: 'e2e: versions to compare',
    },
  });
  expect(res.status(), await res.text()).toBe(200);
}

test.describe('diffs and charts', () => {
  test('a reviewer compares two versions and sees the changed words highlighted', async ({ browser, page }, info) => {
    const family = `diffs-${Date.now().toString(36)}`;
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    await composeVersion(admin, family, 1, '10%');
    await composeVersion(admin, family, 2, '25%');
    await admin.close();
    const viewer = await contextAs(browser, 'diff-reviewer', 'viewer');
    await page.context().addCookies((await viewer.storageState()).cookies);
    await viewer.close();

    await page.goto(`/templates/families/${encodeURIComponent(`tpl:${family}`)}?from=v1&to=v2`);
    await expect(page.getByTestId('diff-summary')).toHaveText('v1 → v2: 0 added, 0 removed, 2 changed, 0 reused.');
    const diff = page.getByTestId('text-diff-context');
    await expect(diff).toContainText('+2 lines added, −1 removed');
    // side by side at desktop width: the old words struck out, the new ones marked in
    const split = diff.getByTestId('text-diff-split');
    await expect(split).toBeVisible();
    await expect(diff.getByTestId('text-diff-unified')).toBeHidden();
    await expect(split.locator('del[data-word="removed"]')).toHaveText(['10']);
    await expect(split.locator('ins[data-word="added"]').first()).toHaveText('25');
    await expect(split.locator('[data-line="removed"]')).toHaveCount(1);
    await expect(split.locator('[data-line="removed"]')).toContainText('removed');
    // the unchanged steps fold into one line that opens
    const fold = split.getByTestId('text-diff-fold').first();
    await expect(fold).toContainText('5 unchanged lines');
    await expect(fold.getByText('Step 9 of the plan').first()).toBeHidden();
    await fold.locator('summary').click();
    await expect(fold.getByText('Step 9 of the plan').first()).toBeVisible();
    // the title piece is new but its text is the same
    await expect(page.getByTestId('diff-title')).toContainText('No differences: the text is the same in v1 and v2.');
    await shot(page, info, 'compare side by side');

    // a phone reads the same change in one column
    await page.setViewportSize({ width: 390, height: 900 });
    const unified = diff.getByTestId('text-diff-unified');
    await expect(unified).toBeVisible();
    await expect(unified.locator('[data-line]').filter({ hasText: 'The canary holds' }).first()).toHaveAttribute(
      'data-line',
      'removed',
    );
    await expect(unified.locator('ins[data-word="added"]').first()).toHaveText('25');
    await diff.scrollIntoViewIfNeeded();
    await shot(page, info, 'compare unified at phone width', false);

    // the same version twice says so rather than listing every piece
    await page.goto(`/templates/families/${encodeURIComponent(`tpl:${family}`)}?from=v2&to=v2`);
    await expect(page.getByTestId('diff-summary')).toHaveText(
      'v2 compared with itself: no differences. Choose two different versions.',
    );
    // a version the family does not have is named, and the default pair is compared
    await page.goto(`/templates/families/${encodeURIComponent(`tpl:${family}`)}?from=v9&to=v2`);
    await expect(page.getByTestId('compare-problem')).toHaveText(
      'This family has no version "v9" (it has v1, v2); comparing v1 with v2 instead.',
    );
    await expect(page.getByTestId('diff-summary')).toHaveText('v1 → v2: 0 added, 0 removed, 2 changed, 0 reused.');
  });

  test('a reviewer picks 7 days, opens a bar with the keyboard and lands on its rows', async ({
    browser,
    page,
  }, info) => {
    const viewer = await contextAs(browser, 'chart-reviewer', 'viewer');
    await page.context().addCookies((await viewer.storageState()).cookies);
    await viewer.close();

    await page.goto('/');
    await page.getByTestId('range-7d').click();
    await expect(page).toHaveURL(/\/\?range=7d$/);
    await expect(page.getByTestId('range-7d')).toHaveAttribute('aria-current', 'page');
    const chart = page.getByTestId('chart-events-over-time');
    await expect(chart.getByTestId('chart-column')).toHaveCount(7);
    await shot(page, info, 'overview 7 days');

    // a bar small enough for one page of the log
    const bars = chart.getByTestId('chart-bar');
    await expect(bars.first()).toBeVisible();
    let pick = -1;
    let n = 0;
    for (let i = 0; i < (await bars.count()); i++) {
      const label = (await bars.nth(i).getAttribute('aria-label'))!;
      n = Number(/: ([\d,]+) events?\./.exec(label)![1].replace(/,/g, ''));
      if (n <= 50) {
        pick = i;
        break;
      }
    }
    expect(pick, 'a bar of at most 50 events').toBeGreaterThanOrEqual(0);
    const bar = bars.nth(pick);
    const status = (await bar.getAttribute('data-status'))!;
    const day = (await bar.locator('xpath=..').getAttribute('data-x'))!;
    await bar.focus();
    await page.keyboard.press('Enter');

    await expect(page).toHaveURL(new RegExp(`/events\\?status=${status}&from=${day}&to=${day}$`));
    await expect(page.getByLabel('Status')).toHaveValue(status);
    await expect(page.getByLabel('From', { exact: true })).toHaveValue(day);
    const rows = page.getByTestId('event-row');
    await expect(rows).toHaveCount(n);
    for (const text of await rows.locator('td:nth-child(1)').allInnerTexts()) expect(text.slice(0, 10)).toBe(day);
    for (const text of await rows.locator('td:nth-child(5)').allInnerTexts()) expect(text.trim()).toBe(status);
    await shot(page, info, 'event log of one bar');

    // the summary keeps its range in the address and says what is wrong with a bad one
    await page.goto('/summary?from=2026-11-08&to=2026-11-01');
    await expect(page.getByTestId('range-problem')).toHaveText(
      'from (2026-11-08) is after to (2026-11-01); swap them. Showing the last 30 days.',
    );
    await page.getByTestId('range-24h').click();
    await expect(page).toHaveURL(/\/summary\?range=24h$/);
    await expect(
      page
        .getByTestId('chart-by-day')
        .getByTestId('chart-column')
        .or(page.getByText(/^No events in/))
        .first(),
    ).toBeVisible();
    await shot(page, info, 'summary 24 hours');
  });
});

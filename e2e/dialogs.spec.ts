// The confirm dialog is accessible and hard to confirm by accident, proved on the rollback
// dialog: focus starts on Cancel and Tab cycles inside it, Esc closes without running
// anything, Enter in the typed field or the reason never confirms, the confirm button stays
// disabled until the typed text matches and a reason is given, and it is styled as danger.
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, contextAs, isPost } from './helpers';
import { exportedRows, makeInstance, seededTemplates } from './rollback-helpers';
import { withoutApprovals } from './approval-policy';

/** Where focus is: inside the dialog, and the focused element's accessible text. */
const focus = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const dialog = document.querySelector('[data-testid="confirm-dialog"]');
    return {
      inside: !!el && !!dialog && dialog.contains(el),
      tag: el?.tagName ?? '',
      text: (el?.textContent ?? '').trim(),
      id: el?.id ?? '',
    };
  });

test.beforeAll(({ browser }) => withoutApprovals(browser));

test('the rollback confirm dialog traps focus, cancels on Esc, ignores Enter in its fields and marks the destructive button', async ({
  browser,
}, testInfo) => {
  const admin = await contextAs(browser, ADMIN.username, 'lead');
  const [tpl] = await seededTemplates(admin);
  const runTag = `dlg-${Date.now().toString(36)}`;
  const actor = `${ADMIN.username}:${runTag}`;
  const made = await makeInstance(admin, tpl, runTag, 'dry_run');

  const page = await admin.newPage();
  await page.goto(`/rollback?actor=${encodeURIComponent(actor)}`);
  await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
  await expect(page.getByTestId('dry-run-result')).toHaveAttribute('data-count', '1');

  // from here on, any POST at all would be the durable rollback running
  const posts: string[] = [];
  page.on('request', (r) => {
    if (isPost(r)) posts.push(r.postData() ?? '');
  });

  const opener = page.getByTestId('open-confirm');
  await opener.click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('data-testid', 'confirm-dialog');
  const confirmBtn = dialog.getByTestId('confirm-button');
  const typed = dialog.getByLabel(/Type the actor to confirm/);
  const reason = dialog.getByLabel('Reason (kept in the audit trail)');

  // focus starts on Cancel, the safe choice
  expect(await focus(page)).toMatchObject({ inside: true, tag: 'BUTTON', text: 'Cancel' });

  // Tab and Shift+Tab cycle inside the dialog, whatever the page behind it holds
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const f = await focus(page);
    expect(f.inside, `Tab #${i + 1} left the dialog (on ${f.tag} "${f.text}")`).toBe(true);
    seen.add(f.id || f.text);
  }
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Shift+Tab');
    expect((await focus(page)).inside, `Shift+Tab #${i + 1} left the dialog`).toBe(true);
  }
  // the typed field, the reason and Cancel are all reached (Confirm is disabled, so skipped)
  expect(seen.size).toBeGreaterThanOrEqual(3);

  // disabled until the typed text matches exactly and a reason is given
  await expect(confirmBtn).toBeDisabled();
  await typed.fill(actor);
  await expect(confirmBtn).toBeDisabled();
  await reason.fill('   ');
  await expect(confirmBtn).toBeDisabled();
  await typed.fill(actor.toUpperCase());
  await reason.fill('checking the dialog');
  await expect(confirmBtn).toBeDisabled();
  await typed.fill(`${actor} `);
  await expect(confirmBtn).toBeDisabled();
  await typed.fill(actor);
  await expect(confirmBtn).toBeEnabled();

  // the destructive button looks destructive: the danger variant, red with white text
  await expect(confirmBtn).toHaveClass(/\bbg-red-700\b/);
  await expect(confirmBtn).toHaveCSS('color', 'rgb(255, 255, 255)');
  const [confirmBg, cancelBg] = await Promise.all([
    confirmBtn.evaluate((el) => getComputedStyle(el).backgroundColor),
    dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => getComputedStyle(el).backgroundColor),
  ]);
  expect(confirmBg).not.toBe(cancelBg);
  // the modal is fixed to the viewport: shot as the viewport shows it
  await testInfo.attach('dialog ready to confirm', { body: await page.screenshot(), contentType: 'image/png' });

  // Enter in either field, with everything valid, does not confirm
  await typed.press('Enter');
  await reason.press('Enter');
  await page.waitForTimeout(500);
  await expect(dialog).toBeVisible();
  expect(posts).toEqual([]);

  // Esc closes the dialog without running anything, and focus goes back to the button that opened it
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await page.waitForTimeout(500);
  expect(posts).toEqual([]);
  await testInfo.attach('after Esc', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  // opened again, it starts empty: nothing typed before carries over
  await opener.click();
  await expect(dialog).toBeVisible();
  await expect(typed).toHaveValue('');
  await expect(reason).toHaveValue('');
  await expect(confirmBtn).toBeDisabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(posts).toEqual([]);

  // and the database still holds the instance
  const rows = (await exportedRows(admin, actor)).filter((r) => r.status === 'ok');
  expect(rows).toEqual([expect.objectContaining({ instance_collection_id: made.instanceId, rolled_back_at: null })]);
  await page.goto(`/instances/${made.instanceId}`);
  await expect(page.getByRole('heading', { level: 1, name: made.instanceKey })).toBeVisible();
  await admin.close();
});

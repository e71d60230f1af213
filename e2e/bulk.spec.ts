import crypto from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, auditRows, contextAs, shot } from './helpers';
import { withoutApprovals } from './approval-policy';

// An operator's bulk scale-out: the form (prefix checked as you type), the first ids and
// keys, the preflight with counts, the confirm dialog (typed batch tag, reason), the run's
// progress, a reload, the per-item outcomes; and a cancelled run that writes nothing.

const hex8 = () => crypto.randomBytes(4).toString('hex');

interface ExportRow {
  event_id: string;
  unique_suffix: string;
  status: string;
  emit_mode: string;
  triggered_by: string;
  instance_collection_key: string | null;
}

async function fillForm(page: Page, o: { n: number; prefix: string; tag: string; runTag: string }) {
  const form = page.getByTestId('bulk-form');
  await form.getByLabel('N (number of events)').fill(String(o.n));
  await form.getByLabel('Event-id prefix').fill(o.prefix);
  await form.getByLabel('Batch tag').fill(o.tag);
  await form.getByLabel('Mode').selectOption('live');
  await form.getByLabel('Run tag (optional)').fill(o.runTag);
}

test.describe('bulk scale-out', () => {
  test.beforeAll(({ browser }) => withoutApprovals(browser));
  test.setTimeout(300_000);

  test('an operator previews, confirms and follows a live bulk run, reloads, and filters the outcomes', async ({
    browser,
  }, testInfo) => {
    const ctx = await contextAs(browser, 'bulk-op', 'operator');
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Bulk scale-out' }).click();
    await expect(page).toHaveURL(/\/bulk$/);
    const form = page.getByTestId('bulk-form');
    const message = page.getByTestId('prefix-message');

    // the runbook's trap: k is not hex; the message says so while typing
    const prefixField = form.getByLabel('Event-id prefix');
    await prefixField.pressSequentially('25000bk0-');
    await expect(message).toContainText('must be hexadecimal');
    await expect(message).toContainText('the k in 25000bk0-');
    await expect(prefixField).toHaveAttribute('aria-invalid', 'true');
    await expect(form.getByRole('button', { name: 'Run preflight' })).toBeDisabled();
    await form.getByLabel('N (number of events)').fill('20000');
    await expect(form.getByText('N is at most 10,000 (IU_BULK_MAX)')).toBeVisible();
    await shot(page, testInfo, 'bulk-01-bad-prefix');

    const n = 4000;
    const prefix = `${hex8()}-`;
    const tag = `wave-${hex8()}`;
    const runTag = `bulk-${hex8()}`;
    const actor = `bulk-op:${runTag}`;
    await prefixField.fill('');
    await fillForm(page, { n, prefix, tag, runTag });
    await expect(message).toContainText(`Hex and well formed: ids run from ${prefix}0000-4000-8000-000000000001`);
    const templateText = await form.getByLabel('Template').locator('option:checked').innerText();
    const templateKey = templateText.split(' — ')[0].trim();

    // the first three event ids and instance keys (suffixes padded to the width of N)
    await expect(page.getByTestId('planned-event-id')).toHaveText(
      [1, 2, 3].map((i) => `${prefix}0000-4000-8000-00000000000${i}`),
    );
    await expect(page.getByTestId('planned-key')).toHaveText(
      [1, 2, 3].map((i) => `inst:${templateKey}/${tag}-000${i}`),
    );
    await expect(form.getByRole('button', { name: 'Run live…' })).toBeDisabled();

    // the preflight runs all N and rolls back
    await form.getByRole('button', { name: 'Run preflight' }).click();
    const preflight = page.getByTestId('preflight');
    await expect(preflight.getByTestId('job-status')).toHaveText('succeeded', { timeout: 120_000 });
    await expect(preflight.getByTestId('count-ok')).toHaveText(n.toLocaleString('en'));
    await expect(preflight.getByTestId('count-refused')).toHaveText('0');
    await expect(preflight.getByTestId('job-message')).toContainText('Predicted; nothing was written');
    // in words: what a live run of these values will do (every item's outcome predicted)
    await expect(preflight.getByTestId('preflight-prediction')).toHaveText(
      `A live run of these values would create ${n.toLocaleString('en')} live instances. It applies this preflight: if any item would do otherwise, the whole batch is refused and nothing is written.`,
    );
    await shot(page, testInfo, 'bulk-02-planned-and-preflight');

    // nothing of the preflight is in the event log
    const none = await ctx.request.get(`/api/events/export?format=json&actor=${encodeURIComponent(actor)}`);
    expect(((await none.json()) as ExportRow[]).length).toBe(0);

    // the confirm dialog needs the batch tag typed and a reason
    await form.getByRole('button', { name: 'Run live…' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`${n.toLocaleString('en')} live instances`);
    await expect(dialog.getByTestId('confirm-prediction')).toContainText(
      `A live run of these values would create ${n.toLocaleString('en')} live instances.`,
    );
    await expect(dialog.getByTestId('plan-line')).toContainText(/Applies plan #\d+ by you \(bulk-op\)/);
    const confirm = dialog.getByTestId('confirm-button');
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Type the batch tag to confirm:').fill(tag.slice(0, -1));
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('scale-out for the launch');
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Type the batch tag to confirm:').fill(tag);
    await shot(page, testInfo, 'bulk-03-confirm');
    await confirm.click();

    // the run: its own address, a progress bar, counts, rate
    await expect(page).toHaveURL(/\/bulk\/[0-9a-f-]{36}$/);
    const jobUrl = page.url();
    const job = page.getByTestId('bulk-job');
    await expect(job.getByRole('progressbar', { name: 'Bulk progress' })).toBeVisible();
    await expect(job.getByTestId('job-done')).toContainText(`of ${n.toLocaleString('en')}`);
    await shot(page, testInfo, 'bulk-04-progress');
    await expect(job.getByTestId('job-status')).toHaveText('succeeded', { timeout: 180_000 });

    // a reload finds the job where it is
    await page.reload();
    expect(page.url()).toBe(jobUrl);
    await expect(job.getByTestId('job-status')).toHaveText('succeeded');
    await expect(job.getByTestId('count-ok')).toHaveText(n.toLocaleString('en'));
    await expect(job.getByTestId('job-message')).toContainText(
      `Committed ${n.toLocaleString('en')} items (live): ok ${n.toLocaleString('en')}`,
    );
    await expect(job.getByTestId('job-done')).toContainText('items/s');

    // every item's outcome, filtered and paged
    const rows = job.getByTestId('item-row');
    await expect(rows).toHaveCount(50);
    await expect(rows.first()).toContainText(`${prefix}0000-4000-8000-000000000001`);
    await expect(rows.first()).toContainText(`inst:${templateKey}/${tag}-0001`);
    await job.getByRole('button', { name: 'Next page' }).click();
    await expect(rows.first().locator('td').first()).toHaveText('51');
    await job.getByLabel('Filter items by status').selectOption('refused');
    await expect(job.getByText('No item has this status.')).toBeVisible();
    await expect(job.getByTestId('items-matching')).toHaveText('0 matching items');
    await job.getByLabel('Filter items by status').selectOption('ok');
    await expect(job.getByTestId('items-matching')).toHaveText(`${n.toLocaleString('en')} matching items`);
    await expect(rows.first().locator('td').first()).toHaveText('1');
    await shot(page, testInfo, 'bulk-05-outcomes');

    // the database: N ok live rows for the actor, with the runbook's ids and suffixes
    const exported = (await (
      await ctx.request.get(`/api/events/export?format=json&actor=${encodeURIComponent(actor)}`)
    ).json()) as ExportRow[];
    expect(exported.length).toBe(n);
    expect(
      exported.every(
        (r) =>
          r.status === 'ok' &&
          r.emit_mode === 'live' &&
          r.triggered_by === actor &&
          r.unique_suffix.startsWith(`${tag}-`),
      ),
    ).toBe(true);
    expect(new Set(exported.map((r) => r.event_id)).size).toBe(n);
    expect(exported.map((r) => r.event_id)).toContain(`${prefix}0000-4000-8000-000000000001`);

    // the audit trail names the operator: the preflight and the committed live run
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const audit = (await auditRows(admin)).filter((a) => a.recipe === 'bulk_scale_out' && a.params.batchTag === tag);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'bulk-op', mode: 'preview', decision: 'ok', committed: false, actor }),
        expect.objectContaining({ username: 'bulk-op', mode: 'live', decision: 'ok', committed: true, actor }),
      ]),
    );
    // the job is listed on the bulk page
    await page.goto('/bulk');
    await expect(page.getByTestId('recent-job').filter({ hasText: tag }).first()).toBeVisible();
    await admin.close();
    await ctx.close();
  });

  test('a live run without a preflight is refused, and a cancelled run writes nothing', async ({
    browser,
  }, testInfo) => {
    const ctx = await contextAs(browser, 'bulk-op', 'operator');
    const page = await ctx.newPage();
    const n = 10_000;
    const prefix = `${hex8()}-`;
    const tag = `cancel-${hex8()}`;
    const runTag = `bulk-${hex8()}`;
    const actor = `bulk-op:${runTag}`;

    // straight to live, skipping the preflight: refused with the sentence, nothing written
    const templateKey = await (async () => {
      await page.goto('/bulk');
      const text = await page.getByTestId('bulk-form').getByLabel('Template').locator('option:checked').innerText();
      return text.split(' — ')[0].trim();
    })();
    const refused = await ctx.request.post('/api/bulk/jobs', {
      data: {
        templateKey,
        n,
        uuidPrefix: prefix,
        batchTag: tag,
        emitMode: 'live',
        runTag,
        confirmText: tag,
        reason: 'skip the preflight',
      },
    });
    expect(refused.status()).toBe(409);
    const body = await refused.json();
    expect(body).toMatchObject({ ok: false, result: { status: 'plan_required' } });
    expect(body.result.message).toMatch(/preview|preflight|dry run/i);

    await fillForm(page, { n, prefix, tag, runTag });
    const form = page.getByTestId('bulk-form');
    await form.getByRole('button', { name: 'Run preflight' }).click();
    await expect(page.getByTestId('preflight').getByTestId('job-status')).toHaveText('succeeded', { timeout: 180_000 });
    await form.getByRole('button', { name: 'Run live…' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.getByLabel('Type the batch tag to confirm:').fill(tag);
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('to be cancelled');
    await dialog.getByTestId('confirm-button').click();

    const job = page.getByTestId('bulk-job');
    const cancel = job.getByRole('button', { name: 'Cancel run' });
    // on a loaded machine the request can take seconds to answer (the batch starts on the same database)
    await expect(cancel).toBeVisible({ timeout: 15_000 });
    await cancel.click();
    // a cancel asks why, and the trail keeps who asked
    const ask = page.getByTestId('confirm-dialog');
    await expect(ask.getByRole('heading')).toHaveText('Cancel this run?');
    await ask.getByLabel('Reason (kept in the audit trail)').fill('e2e: wrong batch');
    await ask.getByTestId('confirm-button').click();
    await expect(job.getByTestId('job-status')).toHaveText('cancelled', { timeout: 120_000 });
    await expect(job.getByTestId('job-outcome')).toContainText('Cancelled: nothing was written');
    await expect(job.getByTestId('job-message')).toContainText(`of ${n.toLocaleString('en')} items`);
    await expect(job.getByTestId('job-message')).toContainText('rolled back');
    await shot(page, testInfo, 'bulk-06-cancelled');

    // after a reload it is still the cancelled job
    await page.reload();
    await expect(page.getByTestId('bulk-job').getByTestId('job-status')).toHaveText('cancelled');

    // nothing of the batch is in the event log
    const exported = (await (
      await ctx.request.get(`/api/events/export?format=json&actor=${encodeURIComponent(actor)}`)
    ).json()) as ExportRow[];
    expect(exported.length).toBe(0);
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const audit = (await auditRows(admin)).filter((a) => a.recipe === 'bulk_scale_out' && a.params.batchTag === tag);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          username: 'bulk-op',
          mode: 'live',
          decision: 'refused',
          status: 'plan_required',
          committed: false,
        }),
        expect.objectContaining({ username: 'bulk-op', mode: 'live', status: 'cancelled', committed: false, actor }),
      ]),
    );
    expect(
      (await auditRows(admin)).find((a) => a.recipe === 'bulk_cancel' && a.reason === 'e2e: wrong batch'),
    ).toMatchObject({ username: 'bulk-op', decision: 'ok', mode: 'admin' });
    expect(audit.some((a) => a.committed)).toBe(false);
    await admin.close();
    await ctx.close();
  });
});

import crypto from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { contextAs, shot, uuid } from './helpers';
import { withoutApprovals } from './approval-policy';

// On the default embedded database (PGlite): an operator's 2,000-item live bulk run opens its
// job page at once and shows it moving (a poll strictly between 0 and 100 %); the actor's
// timeline shows the run as one entry that opens 50 rows at a time; the event log groups
// it into one row; the operator rolls the batch back from its job page through a plan and
// the confirm dialog; the timeline then says who rolled it back; a rolled-back instance's
// page keeps its history with 200, and an id nothing ever made is a 404.

const hex8 = () => crypto.randomBytes(4).toString('hex');

async function fillForm(page: Page, o: { n: number; prefix: string; tag: string; runTag: string }) {
  const form = page.getByTestId('bulk-form');
  await form.getByLabel('N (number of events)').fill(String(o.n));
  await form.getByLabel('Event-id prefix').fill(o.prefix);
  await form.getByLabel('Batch tag').fill(o.tag);
  await form.getByLabel('Mode').selectOption('live');
  await form.getByLabel('Run tag (optional)').fill(o.runTag);
}

test.describe('bulk batches', () => {
  test.beforeAll(({ browser }) => withoutApprovals(browser));
  test.setTimeout(300_000);

  test('progress on PGlite, the batch as one entry, per-batch rollback and the rolled-back instance page', async ({
    browser,
  }, testInfo) => {
    const ctx = await contextAs(browser, 'batch-op', 'operator');
    const page = await ctx.newPage();
    const n = 2000;
    const tag = `wave-${hex8()}`;
    const runTag = `b-${hex8()}`;
    const actor = `batch-op:${runTag}`;
    await page.goto('/bulk');
    await fillForm(page, { n, prefix: `${hex8()}-`, tag, runTag });
    const form = page.getByTestId('bulk-form');
    await form.getByRole('button', { name: 'Run preflight' }).click();
    await expect(page.getByTestId('preflight').getByTestId('job-status')).toHaveText('succeeded', {
      timeout: 120_000,
    });

    // every poll of the job the page makes, as the page saw it
    const polls: { status: string; done: number; total: number }[] = [];
    page.on('response', async (r) => {
      if (!/\/api\/bulk\/jobs\/[0-9a-f-]{36}$/.test(new URL(r.url()).pathname) || r.request().method() !== 'GET')
        return;
      const body = await r.json().catch(() => null);
      if (body?.job) polls.push({ status: body.job.status, done: body.job.done, total: body.job.total });
    });
    await form.getByRole('button', { name: 'Run live…' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.getByLabel('Type the batch tag to confirm:').fill(tag);
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('scale-out for the launch');
    await dialog.getByTestId('confirm-button').click();
    await expect(page).toHaveURL(/\/bulk\/[0-9a-f-]{36}$/);
    const jobUrl = page.url();
    const job = page.getByTestId('bulk-job');
    const bar = job.getByRole('progressbar', { name: 'Bulk progress' });
    await expect(bar).toBeVisible();
    // the page shows the run between 0 and 100 % at some poll
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 60_000, intervals: [50] })
      .toBeGreaterThan(0);
    const mid = Number(await bar.getAttribute('aria-valuenow'));
    if (mid < n) await shot(page, testInfo, 'batches-01-job-mid-progress-pglite');
    await expect(job.getByTestId('job-status')).toHaveText('succeeded', { timeout: 180_000 });
    const between = polls.filter((p) => p.status === 'running' && p.done > 0 && p.done < p.total);
    expect(between.length, `polls: ${JSON.stringify(polls.slice(0, 40))}`).toBeGreaterThan(0);
    await shot(page, testInfo, 'batches-02-job-succeeded');

    // the actor's timeline: one entry for the run, collapsed, then open 50 rows at a time
    await page.goto(`/actors/${encodeURIComponent(actor)}`);
    const entry = page.getByTestId('timeline-batch');
    await expect(entry).toHaveCount(1);
    await expect(entry).toContainText(`bulk ${tag}: 2,000 live instances of`);
    await expect(page.getByTestId('timeline-instance')).toHaveCount(0);
    await shot(page, testInfo, 'batches-03-timeline-collapsed');
    await entry.getByTestId('batch-expand').click();
    await expect(page.getByTestId('batch-row')).toHaveCount(50);
    await expect(page.getByTestId('batch-row').first()).toContainText(`${tag}-0001`);
    await page.getByTestId('batch-rows-next').click();
    await expect(page.getByTestId('batch-row')).toHaveCount(50);
    await expect(page.getByTestId('batch-row').first()).toContainText(`${tag}-0051`);
    await shot(page, testInfo, 'batches-04-timeline-expanded');

    // the event log, grouped: the run is one row
    await page.goto(`/events?actor=${encodeURIComponent(actor)}&group=batches`);
    await expect(page.getByTestId('event-batch-row')).toHaveCount(1);
    await expect(page.getByTestId('event-row')).toHaveCount(0);
    await shot(page, testInfo, 'batches-05-event-log-grouped');

    // roll the batch back from its job page: a plan, then the dialog
    await page.goto(jobUrl);
    const rb = page.getByTestId('batch-rollback');
    await rb.getByTestId('batch-rollback-plan').click();
    await expect(rb.getByTestId('batch-rollback-preview')).toContainText('would remove 2,000 instances');
    await rb.getByTestId('batch-rollback-open').click();
    const confirm = page.getByTestId('confirm-dialog');
    await expect(confirm.getByTestId('plan-line')).toContainText(/Applies plan #\d+ by you \(batch-op\)/);
    await confirm.getByLabel('Type the batch tag to confirm:').fill(tag);
    await confirm.getByLabel('Reason (kept in the audit trail)').fill('wrong template');
    await shot(page, testInfo, 'batches-06-rollback-confirm');
    await confirm.getByTestId('confirm-button').click();
    await expect(rb.getByTestId('batch-rollback-done')).toContainText('Rolled back 2,000 instances');
    await shot(page, testInfo, 'batches-07-rolled-back');

    // the timeline says who rolled the run back
    await page.goto(`/actors/${encodeURIComponent(actor)}`);
    await expect(page.getByTestId('timeline-batch')).toContainText('rolled back by batch-op');

    // a rolled-back instance keeps its page (200) and its history
    const items = await (
      await ctx.request.get(`${jobUrl.replace('/bulk/', '/api/bulk/jobs/')}/items?status=ok`)
    ).json();
    const first = items.items[0];
    const res = await page.goto(`/instances/${first.instanceCollectionId}`);
    expect(res?.status()).toBe(200);
    const gone = page.getByTestId('instance-rolled-back');
    await expect(gone).toContainText('This instance was rolled back');
    await expect(gone).toContainText('rolled back by batch-op');
    await expect(gone.getByTestId('instance-facts')).toContainText(actor);
    await expect(gone.getByTestId('instance-facts')).toContainText(`bulk ${tag}`);
    await shot(page, testInfo, 'batches-08-rolled-back-instance');
    expect((await page.goto(`/instances/${uuid()}`))?.status()).toBe(404);
    await ctx.close();
  });
});

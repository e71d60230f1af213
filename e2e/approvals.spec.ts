// Approvals bound to the exact plan, as people use them: an operator asks for a 1,000-item
// live bulk to be approved; a second operator cannot approve a rollback that needs a lead; a
// lead runs the bulk's preview again, sees no drift and approves; the operator applies, and
// the audit trail and the job show both people. Then: an approved rollback whose actor made
// more instances is refused plan_stale and the approval does not carry over; nobody approves
// their own request; a lead breaks glass, flagged in the audit trail.
import crypto from 'node:crypto';
import { expect, test, type BrowserContext } from '@playwright/test';
import { ADMIN, auditRows, contextAs, shot } from './helpers';
import { withDefaultApprovals } from './approval-policy';
import { makeInstance, seededTemplates, type TemplateRef } from './rollback-helpers';

const hex8 = () => crypto.randomBytes(4).toString('hex');
const OP1 = 'appr-op1';
const OP2 = 'appr-op2';
const LEAD2 = 'appr-lead';

test.describe('approvals', () => {
  test.describe.configure({ mode: 'serial' });
  test.setTimeout(240_000);
  const runTag = `ap-${hex8()}`;
  const actor = `${ADMIN.username}:${runTag}`;
  let templates: TemplateRef[] = [];
  let rollbackRequest = 0;

  test.beforeAll(async ({ browser }) => {
    await withDefaultApprovals(browser);
  });

  /** The admin's rollback dry run of `actor` on the page, and the request for its plan; the request's number. */
  async function requestRollback(admin: BrowserContext, reason: string): Promise<number> {
    const page = await admin.newPage();
    await page.goto(`/rollback?actor=${encodeURIComponent(actor)}`);
    await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
    const ask = page.getByTestId('request-approval');
    await expect(ask).toContainText('a durable run of rollback by actor needs 1 approval by a lead');
    await expect(page.getByTestId('open-confirm')).toBeDisabled();
    await ask.getByLabel('Reason (shown to the approvers)').fill(reason);
    await ask.getByRole('button', { name: 'Request approval' }).click();
    const link = page.getByTestId('request-made').getByRole('link');
    await expect(link).toBeVisible();
    const id = Number((await link.textContent())!.replace('#', ''));
    await page.close();
    return id;
  }

  test('an operator requests approval for a 1,000-item live bulk; a lead re-runs its preview, approves; the operator applies', async ({
    browser,
  }, testInfo) => {
    const op1 = await contextAs(browser, OP1, 'operator');
    const op2 = await contextAs(browser, OP2, 'operator');
    const lead = await contextAs(browser, LEAD2, 'lead');
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    templates = await seededTemplates(admin);

    // the operator's preflight of 1,000 live items: the page offers a request, not the run
    const page = await op1.newPage();
    await page.goto('/bulk');
    const form = page.getByTestId('bulk-form');
    const tag = `wave-${hex8()}`;
    await form.getByLabel('N (number of events)').fill('1000');
    await form.getByLabel('Event-id prefix').fill(`${hex8()}-`);
    await form.getByLabel('Batch tag').fill(tag);
    await form.getByLabel('Mode').selectOption('live');
    await form.getByRole('button', { name: 'Run preflight' }).click();
    await expect(page.getByTestId('preflight').getByTestId('job-status')).toHaveText('succeeded', { timeout: 120_000 });
    const ask = page.getByTestId('request-approval');
    await expect(ask).toContainText('a live run of bulk scale-out of 1,000 items or more needs 1 approval');
    await expect(form.getByRole('button', { name: 'Run live…' })).toBeDisabled();
    await ask.getByLabel('Reason (shown to the approvers)').fill('launch wave for the spring campaign');
    await ask.getByRole('button', { name: 'Request approval' }).click();
    const made = page.getByTestId('request-made').getByRole('link');
    await expect(made).toBeVisible();
    const bulkRequest = Number((await made.textContent())!.replace('#', ''));
    await shot(page, testInfo, 'approvals-01-bulk-request-approval');

    // a rollback the admin wants: it needs a lead, so the second operator cannot approve it
    await makeInstance(admin, templates[0], runTag, 'live');
    await makeInstance(admin, templates[0], runTag, 'live');
    rollbackRequest = await requestRollback(admin, 'the canary run went wrong');
    const inbox = await op2.newPage();
    await inbox.goto('/approvals');
    await expect(inbox.getByTestId('approvals-badge')).toBeVisible();
    await expect(inbox.locator(`[data-request="${bulkRequest}"]`)).toContainText(OP1);
    await expect(inbox.locator(`[data-request="${rollbackRequest}"]`)).toContainText('0 of 1 lead');
    await shot(inbox, testInfo, 'approvals-02-inbox');
    await inbox.goto(`/approvals/${rollbackRequest}`);
    await expect(inbox.getByTestId('cannot-decide')).toContainText(
      'needs a lead to decide it, and your role is operator',
    );
    await inbox.getByLabel('Reason').fill('looks fine to me');
    await inbox.getByTestId('approve').click();
    await expect(inbox.getByTestId('request-answer')).toContainText('needs a lead to decide it');
    await expect(inbox.getByTestId('request-status')).toHaveText('pending');

    // the lead runs the bulk's preview again: no drift, side by side; then approves
    const review = await lead.newPage();
    await review.goto(`/approvals/${bulkRequest}`);
    await review.getByTestId('recheck').click();
    await expect(review.getByTestId('no-drift')).toBeVisible({ timeout: 60_000 });
    await expect(review.getByTestId('effect-now')).toContainText('"ok": 1000');
    await review.getByLabel('Reason').fill('preflight again: no drift, go');
    await review.getByTestId('approve').click();
    await expect(review.getByTestId('request-status')).toHaveText('approved');
    await shot(review, testInfo, 'approvals-03-approved-no-drift');

    // the operator applies: the run is theirs, the approver beside it
    await page.goto(`/approvals/${bulkRequest}`);
    await page.getByTestId('apply-confirm').fill(tag);
    await page.getByLabel('Reason').fill('launch wave for the spring campaign');
    await page.getByTestId('apply').click();
    await page.getByTestId('job-link').click();
    await expect(page.getByTestId('bulk-job').getByTestId('job-status')).toHaveText('succeeded', { timeout: 120_000 });
    await page.reload();
    await expect(page.getByTestId('job-approval')).toContainText(`Requested by ${OP1}, approved by ${LEAD2}`);
    await shot(page, testInfo, 'approvals-04-job-with-approver');
    const rows = await auditRows(admin);
    const run = rows.find(
      (r) => r.recipe === 'bulk_scale_out' && r.mode === 'live' && r.committed && r.username === OP1,
    );
    expect(run).toMatchObject({ username: OP1, decision: 'ok' });
    expect(run!.params).toMatchObject({ approval: { requestId: bulkRequest, requester: OP1, approvers: [LEAD2] } });
    expect(rows.find((r) => r.recipe === 'approval_approved' && r.username === LEAD2)!.params).toMatchObject({
      requestId: bulkRequest,
      requester: OP1,
    });
    expect(rows.find((r) => r.recipe === 'approval_approved' && r.username === OP2)).toMatchObject({
      decision: 'refused',
      status: 'denied',
    });
    for (const c of [op1, op2, lead, admin]) await c.close();
  });

  test('an approved rollback whose actor made more instances is refused plan_stale, and the approval does not carry over', async ({
    browser,
  }, testInfo) => {
    const lead = await contextAs(browser, LEAD2, 'lead');
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const review = await lead.newPage();
    await review.goto(`/approvals/${rollbackRequest}`);
    await review.getByLabel('Reason').fill('two canary instances, fine');
    await review.getByTestId('approve').click();
    await expect(review.getByTestId('request-status')).toHaveText('approved');

    await makeInstance(admin, templates[0], runTag, 'live');
    await review.getByTestId('recheck').click();
    await expect(review.getByTestId('drift')).toContainText('1 more instance');
    await shot(review, testInfo, 'approvals-05-request-with-drift');

    // nobody approves their own request: the page offers no decision, the route refuses it
    const own = await admin.request.post(`/api/approvals/${rollbackRequest}/approve`, { data: { reason: 'mine' } });
    expect(own.status()).toBe(403);
    expect((await own.json()).message).toContain('is your own; nobody approves or rejects their own request');

    const page = await admin.newPage();
    await page.goto(`/approvals/${rollbackRequest}`);
    await expect(page.getByTestId('approve')).toHaveCount(0);
    await page.getByTestId('apply-confirm').fill(actor);
    await page.getByLabel('Reason').fill('the canary run went wrong');
    await page.getByTestId('apply').click();
    await expect(page.getByTestId('request-answer')).toContainText('1 more instance');
    await page.reload();
    await expect(page.getByTestId('request-status')).toHaveText('stale');
    // a new dry run is a new plan: it needs a request of its own
    rollbackRequest = await requestRollback(admin, 'the canary run went wrong, all three');
    expect(rollbackRequest).toBeGreaterThan(0);
    await lead.close();
    await admin.close();
  });

  test('a lead breaks glass with a reason: it runs, flagged on the apply row and in a break_glass row', async ({
    browser,
  }, testInfo) => {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const page = await admin.newPage();
    await page.goto(`/approvals/${rollbackRequest}`);
    await page.getByTestId('break-glass').check();
    await page.getByTestId('apply-confirm').fill(actor);
    await page.getByLabel('Reason').fill('outage: the canary corrupts pages now');
    await page.getByTestId('apply').click();
    await expect(page.getByTestId('request-answer')).toContainText('Done: committed.');
    await page.reload();
    await expect(page.getByTestId('request-status')).toHaveText('applied');
    await shot(page, testInfo, 'approvals-06-break-glass');
    const rows = await auditRows(admin);
    const glass = rows.find((r) => r.recipe === 'break_glass');
    expect(glass).toMatchObject({
      username: ADMIN.username,
      committed: true,
      reason: 'outage: the canary corrupts pages now',
    });
    expect(glass!.params).toMatchObject({ recipe: 'rollback_by_actor', requestId: rollbackRequest });
    const apply = rows.find(
      (r) =>
        r.recipe === 'rollback_by_actor' && r.committed && r.actor === ADMIN.username && r.planId === glass!.planId,
    );
    expect(apply!.params).toMatchObject({ breakGlass: true });
    await admin.close();
  });
});

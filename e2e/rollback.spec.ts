// Rollback by actor, as a lead does it: from an actor's history page to a dry run (the list,
// the count, the templates), a durable rollback confirmed with the actor typed and a reason,
// and the result linked to its audit row; then what the database holds afterwards. Refusals:
// an operator is denied (and audited), a wrong typed actor cannot be confirmed, a durable
// post without a dry run is refused with its sentence, and a dry run's plan that went stale
// (the actor made more instances since) is refused, then a new dry run removes them all, once.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { ADMIN, auditRows, contextAs, shot } from './helpers';
import { withoutApprovals } from './approval-policy';
import { PG_SKIP_REASON, PG_URL, usePostgresConsole } from './pg-console';
import { exportedRows, makeInstance, seededTemplates, type Made } from './rollback-helpers';

// a modal is fixed to the viewport, so a dialog is shot as the viewport shows it, not the full page
const PLAN_REQUIRED =
  'This step applies a plan, and none was named: run the preview (or dry run) first, then confirm its plan.';

test.describe('rollback by actor', () => {
  test.beforeAll(({ browser }) => withoutApprovals(browser));
  test.describe.configure({ mode: 'serial' });
  const runTag = `rb-${Date.now().toString(36)}`;
  const actor = `${ADMIN.username}:${runTag}`;
  let made: Made[] = [];

  test('a lead arrives from the actor page, dry-runs, confirms with the actor typed and a reason, and the instances are gone', async ({
    browser,
  }, testInfo) => {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const templates = await seededTemplates(admin);
    expect(templates.length).toBeGreaterThanOrEqual(2);
    const [a, b] = templates;
    made = [
      await makeInstance(admin, a, runTag, 'live'),
      await makeInstance(admin, a, runTag, 'dry_run'),
      await makeInstance(admin, b, runTag, 'dry_run'),
    ];

    // refusal first: a durable rollback posted without a dry run is refused with its sentence and removes nothing
    const early = await admin.request.post('/api/recipes/rollback-by-actor', {
      data: { targetActor: actor, durable: true, confirmText: actor, reason: 'skipping the dry run' },
    });
    expect(early.status()).toBe(409);
    expect(await early.json()).toMatchObject({ ok: false, status: 'plan_required', message: PLAN_REQUIRED });

    const page = await admin.newPage();
    await page.goto(`/actors/${encodeURIComponent(actor)}`);
    await expect(page.getByRole('heading', { level: 1, name: actor })).toBeVisible();
    await shot(page, testInfo, 'actor page with the rollback entry');
    await page.getByTestId('rollback-entry').click();
    await expect(page).toHaveURL(new RegExp(`/rollback\\?actor=${encodeURIComponent(actor)}$`));
    const form = page.getByTestId('rollback-form');
    await expect(form.getByLabel('Actor', { exact: true })).toHaveValue(actor);
    await expect(page.getByTestId('substrate-033')).toHaveAttribute('data-applied', 'yes');
    await expect(page.getByTestId('substrate-033-command')).toHaveText(
      'psql -c "SET iu_core.force_rollback_033=true;" \\\n     -f sql/iu-core/rollback/033_auto_instantiate_from_event.rollback.sql',
    );

    await form.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.getByTestId('dry-run-result');
    await expect(dry).toHaveAttribute('data-count', '3');
    await expect(dry.getByTestId('instance-count')).toHaveText('3');
    await expect(dry.getByTestId(`template-${a.key}`).locator('td').nth(1)).toHaveText('2');
    await expect(dry.getByTestId(`template-${b.key}`).locator('td').nth(1)).toHaveText('1');
    await expect(dry.getByTestId('instance-row')).toHaveCount(3);
    for (const m of made)
      await expect(dry.locator(`[data-instance-id="${m.instanceId}"]`)).toContainText(m.instanceKey);
    await expect(page.getByTestId('action-result')).toHaveAttribute('data-decision', 'ok');
    await shot(page, testInfo, 'dry run: list, count, templates');

    await page.getByTestId('open-confirm').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('heading')).toHaveText(`Roll back 3 instances of ${actor}?`);
    const confirmBtn = dialog.getByTestId('confirm-button');
    const typed = dialog.getByLabel(/Type the actor to confirm/);
    await typed.fill(ADMIN.username); // the user alone is a different actor string
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('e2e: the canary run went wrong');
    await expect(confirmBtn).toBeDisabled();
    await expect(dialog.getByText('That does not match yet; type it exactly as shown.')).toBeVisible();
    await shot(page, testInfo, 'confirm dialog, wrong actor typed', false);
    await typed.fill(actor);
    await expect(confirmBtn).toBeEnabled();
    await shot(page, testInfo, 'confirm dialog, ready', false);
    await confirmBtn.click();

    const done = page.getByTestId('rollback-done');
    await expect(done).toHaveAttribute('data-count', '3');
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('action-result')).toHaveAttribute('data-status', 'ok');
    await shot(page, testInfo, 'rolled back, with the audit link');
    const link = page.getByTestId('result-audit-link');
    const auditId = Number((await link.textContent())!.replace(/\D/g, ''));
    await link.click();
    await expect(page).toHaveURL(new RegExp(`/audit\\?id=${auditId}`));
    await expect(page.getByTestId('audit-one-row')).toContainText(`#${auditId}`);
    const row = page.getByTestId(`audit-${auditId}`);
    await expect(row).toHaveAttribute('data-recipe', 'rollback_by_actor');
    await expect(row).toHaveAttribute('data-decision', 'ok');
    await expect(row).toContainText('e2e: the canary run went wrong');
    await expect(row).toContainText(`rolled back 3 instance(s) of ${actor}`);
    await expect(page.locator('[data-testid^="audit-"][data-recipe]')).toHaveCount(1);
    await shot(page, testInfo, 'the audit row');
    const audit = (await auditRows(admin)).find((r) => r.id === auditId)!;
    expect(audit).toMatchObject({
      username: 'admin',
      recipe: 'rollback_by_actor',
      mode: 'durable',
      decision: 'ok',
      committed: true,
      actor: 'admin',
    });

    // what the database holds now: the instances are gone, the log rows are stamped, the actor page counts them
    for (const m of made) {
      // a rolled-back instance keeps its page: its history, saying plainly it was rolled back
      const res = await page.goto(`/instances/${m.instanceId}`);
      expect(res?.status()).toBe(200);
      await expect(page.getByText('This instance was rolled back')).toBeVisible();
    }
    await shot(page, testInfo, 'instance page after the rollback');
    const rows = (await exportedRows(admin, actor)).filter((r) => r.status === 'ok');
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toMatchObject({ rolled_back_at: expect.any(String), rolled_back_by: 'admin' });
    await page.goto(`/actors/${encodeURIComponent(actor)}`);
    await expect(page.getByTestId('rollback-entry').locator('..')).toContainText('0 instances not rolled back.');
    // picked from the actors list this time (the field's suggestions hold the same list);
    // a second dry run finds nothing left, so the durable step is not offered
    await page.goto('/rollback');
    await expect(page.getByTestId('rollback-form').locator(`datalist option[value="${actor}"]`)).toHaveCount(1);
    await expect(page.getByTestId(`actor-${actor}`).locator('td').nth(4)).toHaveText('3');
    await page.getByRole('button', { name: `Pick ${actor}` }).click();
    await expect(page.getByTestId('rollback-form').getByLabel('Actor', { exact: true })).toHaveValue(actor);
    await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByTestId('dry-run-result')).toHaveAttribute('data-count', '0');
    await expect(page.getByTestId('open-confirm')).toBeDisabled();
    await admin.close();
  });

  test('a stale dry run is refused with what changed; a new dry run removes all of them, and replaying it removes nothing more', async ({
    browser,
  }, testInfo) => {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const [tpl] = await seededTemplates(admin);
    const tag = `${runTag}-stale`;
    const target = `${ADMIN.username}:${tag}`;
    for (let i = 0; i < 4; i++) await makeInstance(admin, tpl, tag, 'dry_run');

    const page = await admin.newPage();
    await page.goto(`/rollback?actor=${encodeURIComponent(target)}`);
    await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByTestId('dry-run-result')).toHaveAttribute('data-count', '4');
    // two more appear after the dry run
    await makeInstance(admin, tpl, tag, 'dry_run');
    await makeInstance(admin, tpl, tag, 'dry_run');

    await page.getByTestId('open-confirm').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog.getByTestId('plan-line')).toContainText(/Applies plan #\d+ by you \(admin\)/);
    await dialog.getByLabel(/Type the actor to confirm/).fill(target);
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('e2e: stale plan');
    await dialog.getByTestId('confirm-button').click();
    await expect(dialog.getByTestId('confirm-error')).toHaveText(
      `2 more instances by ${target} since your dry run (it listed 4); nothing was rolled back: dry run again.`,
    );
    // the refused plan is dropped: confirm stays disabled and says to dry-run again, and so does the page
    await expect(dialog.getByTestId('confirm-button')).toBeDisabled();
    await expect(dialog.getByTestId('confirm-blocked')).toHaveText(
      /^Plan #\d+ can no longer be applied \(plan_stale: what it would do changed since\); run the dry run again for a new plan\.$/,
    );
    await expect(dialog.getByTestId('plan-line')).toHaveCount(0);
    await shot(page, testInfo, 'stale plan refused in the dialog', false);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('open-confirm')).toBeDisabled();
    await expect(page.getByTestId('plan-why')).toContainText('run the dry run again for a new plan');
    expect((await exportedRows(admin, target)).filter((r) => r.status === 'ok' && !r.rolled_back_at)).toHaveLength(6);

    await page.getByTestId('rollback-form').getByRole('button', { name: 'Dry run' }).click();
    await expect(page.getByTestId('dry-run-result')).toHaveAttribute('data-count', '6');
    await page.getByTestId('open-confirm').click();
    await dialog.getByLabel(/Type the actor to confirm/).fill(target);
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('e2e: all six');
    await dialog.getByTestId('confirm-button').click();
    await expect(page.getByTestId('rollback-done')).toHaveAttribute('data-count', '6');
    await shot(page, testInfo, 'six rolled back after a fresh dry run');

    // replaying the durable request that just ran: its plan is used up, and a newer instance stays
    const applied = (await auditRows(admin)).find(
      (r) =>
        r.recipe === 'rollback_by_actor' &&
        r.mode === 'durable' &&
        r.decision === 'ok' &&
        r.actor === 'admin' &&
        r.reason === 'e2e: all six',
    )!;
    expect(applied.planId).toEqual(expect.any(Number));
    await makeInstance(admin, tpl, tag, 'dry_run');
    const replay = await admin.request.post('/api/recipes/rollback-by-actor', {
      data: { targetActor: target, durable: true, planId: applied.planId, confirmText: target, reason: 'replayed' },
    });
    expect(replay.status()).toBe(409);
    expect(await replay.json()).toMatchObject({ ok: false, status: 'plan_used' });
    expect((await exportedRows(admin, target)).filter((r) => r.status === 'ok' && !r.rolled_back_at)).toHaveLength(1);
    await admin.close();
  });

  test('an operator cannot reach or perform it: the page says so, the post is denied and audited, nothing is removed', async ({
    browser,
  }, testInfo) => {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const [tpl] = await seededTemplates(admin);
    const tag = `${runTag}-op`;
    const standing = await makeInstance(admin, tpl, tag, 'dry_run');
    const target = `${ADMIN.username}:${tag}`;

    const oper = await contextAs(browser, 'rb-operator', 'operator');
    const page = await oper.newPage();
    await page.goto(`/rollback?actor=${encodeURIComponent(target)}`);
    await expect(page.getByTestId('not-allowed')).toBeVisible();
    await expect(page.getByTestId('rollback-form')).toHaveCount(0);
    await expect(
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rollback by actor' }),
    ).toHaveCount(0);
    await shot(page, testInfo, 'operator on the rollback page');
    for (const durable of [false, true]) {
      const r = await oper.request.post('/api/recipes/rollback-by-actor', {
        data: { targetActor: target, durable, confirmText: target, reason: 'not mine to do' },
      });
      expect(r.status()).toBe(403);
      expect((await r.json()).message).toContain('Your role (operator) cannot do this; it needs lead');
    }
    const denied = (await auditRows(admin)).filter(
      (r) => r.username === 'rb-operator' && r.recipe === 'rollback_by_actor',
    );
    expect(denied.map((r) => [r.mode, r.decision, r.committed]).sort()).toEqual([
      ['dry_run', 'denied', false],
      ['durable', 'denied', false],
    ]);
    await page.goto(`/instances/${standing.instanceId}`);
    await expect(page.getByRole('heading', { level: 1, name: standing.instanceKey })).toBeVisible();
    await oper.close();
    await admin.close();
  });
});

// The substrate rollback of 033 is shown on the page and never run by the console: here the
// shown command is run, word for word, at a shell against a PostgreSQL console's database.
test.describe('while migration 033 is rolled back', () => {
  test.skip(!PG_URL, PG_SKIP_REASON);
  test.describe.configure({ mode: 'serial', timeout: 240_000 });
  const pgc = usePostgresConsole(4);

  test("the page's psql command works as shown; then the page says 033 is not applied and a rollback by actor is refused with its sentence", async ({
    browser,
  }, testInfo) => {
    const lead = await pgc.lead(browser);
    const page = await lead.newPage();
    await page.goto('/rollback');
    await expect(page.getByTestId('substrate-033')).toHaveAttribute('data-applied', 'yes');
    await expect(page.getByTestId('substrate-033-pglite')).toHaveCount(0);
    const command = (await page.getByTestId('substrate-033-command').textContent())!;

    const u = new URL(pgc.dbUrl);
    const env = {
      ...process.env,
      PGHOST: u.hostname,
      PGPORT: u.port || '5432',
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGDATABASE: u.pathname.slice(1),
      PGOPTIONS: '',
    };
    const run = await promisify(execFile)('bash', ['-c', command], { env });
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(
      (await pgc.query<{ version: string }>(`SELECT version FROM iu_core_schema_migrations WHERE version = '033'`))
        .length,
    ).toBe(0);

    await page.reload();
    await expect(page.getByTestId('substrate-033')).toHaveAttribute('data-applied', 'no');
    await expect(page.getByTestId('substrate-033')).toContainText('iu_auto_instantiate_event_log_archive_033');
    await expect(page.getByTestId('rollback-off')).toContainText(
      'Auto-instantiate is off: migration 033 is not applied. Run npm run db:migrate to restore it.',
    );
    await expect(page.getByTestId('rollback-form')).toHaveCount(0);
    await shot(page, testInfo, 'rollback page while 033 is rolled back');

    const r = await lead.request.post('/api/recipes/rollback-by-actor', {
      data: { targetActor: 'alice', durable: false },
    });
    expect(r.status()).toBe(409);
    expect(await r.json()).toMatchObject({
      ok: false,
      status: 'substrate_unavailable',
      message:
        'Auto-instantiate is not available: migration 033 is not applied (it may have been rolled back); run npm run db:migrate to restore it.',
    });
    await lead.close();
  });
});

// Instantiate from an event, as an operator: a dry run that rolls back and says what a live
// run would do, live only for the parameters that dry run used, through the confirm dialog,
// then the new instance. Each journey composes a template family of its own, so none depends
// on another's data or order. The database is read back through the console's own surfaces
// (instance page, event-log export, the lead's audit trail), because the server holds the
// PGlite folder; requests made by hand go to the recipes route, never to a server action.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  ADMIN,
  auditRows,
  composeTemplate,
  contextAs,
  isPost,
  liveInstance,
  shot,
  uuid,
  type OwnTemplate,
} from './helpers';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const stamp = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

interface ExportRow {
  event_id: string;
  instance_collection_id: string | null;
  instance_collection_key: string | null;
  unique_suffix: string;
  emit_mode: string;
  status: string;
  triggered_by: string;
  note: string | null;
  replay_of_event_log_id: number | null;
  id: number;
}

async function exportFor(page: Page | BrowserContext, actor: string): Promise<ExportRow[]> {
  const res = await page.request.get(`/api/events/export?format=json&actor=${encodeURIComponent(actor)}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as ExportRow[];
}

/** Picks the journey's own template by its family/version label. */
async function pickTemplate(page: Page, tpl: OwnTemplate) {
  const select = page.getByLabel('Template');
  const option = select.locator('option', { hasText: `${tpl.family} v1 (latest) ·` });
  await expect(option).toHaveCount(1);
  await select.selectOption(tpl.id);
  await expect(page.getByTestId('template-facts')).toContainText(tpl.key);
}

async function fillForm(
  page: Page,
  tpl: OwnTemplate,
  p: { suffix: string; tag: string; note?: string; eventId?: string },
) {
  if (p.eventId) await page.getByLabel('Event id (UUID)').fill(p.eventId);
  else await page.getByRole('button', { name: 'Generate a new event id' }).click();
  await pickTemplate(page, tpl);
  await page.getByLabel('Unique suffix').fill(p.suffix);
  if (p.note) await page.getByLabel('Note (optional)').fill(p.note);
  await page.getByLabel('Run tag (optional)').fill(p.tag);
  return page.getByLabel('Event id (UUID)').inputValue();
}

async function dryRun(page: Page, status = 'ok') {
  await page.getByRole('button', { name: 'Dry run' }).click();
  const result = page.getByTestId('instantiate-result');
  await expect(result).toHaveAttribute('data-kind', 'preview');
  await expect(result).toHaveAttribute('data-status', status);
  return result;
}

/** Opens the live dialog and confirms with the key and a reason; returns the plan it applied. */
async function goLive(page: Page, key: string, reason: string): Promise<number> {
  await page.getByRole('button', { name: 'Run live…' }).click();
  const dialog = page.getByTestId('confirm-dialog');
  const planId = Number(/plan #(\d+)/.exec((await dialog.getByTestId('plan-line').textContent())!)![1]);
  await dialog.getByLabel(/Type the instance key/).fill(key);
  await dialog.getByLabel(/Reason/).fill(reason);
  await dialog.getByTestId('confirm-button').click();
  await expect(dialog).toHaveCount(0);
  return planId;
}

test.describe('instantiate from an event', () => {
  test('an operator dry-runs, goes live through the confirm dialog and follows the link to the new instance', async ({
    browser,
  }, testInfo) => {
    const ctx = await contextAs(browser, 'ina', 'operator');
    const tpl = await composeTemplate(ctx, `inst-a-${stamp()}`);
    const TEMPLATE = tpl.key;
    const tag = `inst-${stamp()}`;
    const actor = `ina:${tag}`;
    const suffix = `e2e-${stamp()}`;
    const key = `inst:${TEMPLATE}/${suffix}`;
    const page = await ctx.newPage();
    let actionPosts = 0;
    page.on('request', (r) => {
      if (isPost(r)) actionPosts++;
    });
    await page.goto('/instantiate');
    const live = page.getByRole('button', { name: 'Run live…' });
    await expect(live).toBeDisabled();
    await expect(page.getByTestId('live-hint')).toHaveText(
      'Live opens after a successful dry run of these parameters.',
    );

    const eventId = await fillForm(page, tpl, { suffix, tag, note: 'e2e canary' });
    expect(eventId).toMatch(UUID_RE);
    await expect(page.getByTestId('actor-preview')).toContainText(actor);
    await expect(page.getByTestId('actor-preview')).toContainText(key);
    await shot(page, testInfo, '1 form filled');

    // the dry run: the function's real answer, rolled back
    const result = await dryRun(page);
    await expect(result).toContainText('rolled back');
    await expect(result.getByTestId('action-result')).toContainText(
      'Preview: the run was rolled back, nothing was written.',
    );
    await expect(result.getByTestId('result-instance-key')).toHaveText(`dryrun:${TEMPLATE}/${suffix}`);
    await expect(result.getByTestId('result-actor')).toHaveText(actor);
    await expect(result.getByTestId('result-facts')).toContainText('Pieces linked');
    await expect(result.getByTestId('instance-link')).toHaveCount(0);
    await expect(live).toBeEnabled();
    await expect(page.getByTestId('live-hint')).toHaveAttribute('data-ready', 'true');
    // the dry run also ran the live call and rolled it back: it says what a live run would do
    await expect(result.getByTestId('live-prediction')).toHaveAttribute('data-status', 'ok');
    await expect(result.getByTestId('live-prediction')).toHaveText(`A live run would create ${key}.`);
    await shot(page, testInfo, '2 dry run result');

    // editing any parameter after the dry run closes live again; putting it back reopens it
    await page.getByLabel('Unique suffix').fill(`${suffix}-x`);
    await expect(live).toBeDisabled();
    await expect(page.getByTestId('live-hint')).toHaveText(
      'You changed a parameter since the dry run; dry-run again to open live.',
    );
    // and says which field took it away
    await expect(page.getByTestId('plan-why')).toHaveText(
      'Changed since the dry run: Unique suffix. Run the dry run again for a plan of these values.',
    );
    await expect(result.getByTestId('live-prediction')).toHaveCount(0);
    await shot(page, testInfo, '3 live closed after an edit');
    await page.getByLabel('Unique suffix').fill(suffix);
    await expect(live).toBeEnabled();
    await page.getByLabel('Note (optional)').fill('e2e canary, edited');
    await expect(live).toBeDisabled();
    await page.getByLabel('Note (optional)').fill('e2e canary');
    await expect(live).toBeEnabled();

    // the dialog restates the run; Esc cancels it
    await live.click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    const facts = dialog.getByTestId('confirm-facts');
    await expect(facts).toContainText(`${tpl.family} v1`);
    await expect(facts).toContainText(TEMPLATE);
    await expect(facts).toContainText(eventId);
    await expect(facts).toContainText('template.published');
    await expect(dialog.getByTestId('confirm-actor')).toHaveText(actor);
    await expect(dialog.getByTestId('confirm-instance-key')).toHaveText(key);
    await expect(dialog.getByTestId('live-prediction')).toHaveText(`A live run would create ${key}.`);
    await expect(dialog.getByTestId('plan-line')).toContainText(
      /Applies plan #\d+ by you \(ina\), (just now|\d+ min ago)/,
    );
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);

    // confirm stays disabled until the key matches exactly and a reason is given; Enter never confirms
    await live.click();
    const confirm = dialog.getByTestId('confirm-button');
    const typed = dialog.getByLabel(/Type the instance key/);
    await expect(confirm).toBeDisabled();
    await typed.fill(key.toUpperCase());
    await dialog.getByLabel(/Reason/).fill('e2e first live run of the canary');
    await expect(confirm).toBeDisabled();
    await expect(dialog).toContainText('That does not match yet');
    await typed.fill(key.slice(0, -1));
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Reason/).fill('');
    await typed.fill(key);
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Reason/).fill('e2e first live run of the canary');
    await expect(confirm).toBeEnabled();
    const postsBefore = actionPosts;
    await typed.press('Enter');
    await dialog.getByLabel(/Reason/).press('Enter');
    await page.waitForTimeout(500);
    await expect(dialog).toBeVisible();
    expect(actionPosts).toBe(postsBefore);
    await shot(page, testInfo, '4 confirm dialog');

    await confirm.click();
    await expect(dialog).toHaveCount(0);
    await expect(result).toHaveAttribute('data-kind', 'live');
    await expect(result).toHaveAttribute('data-status', 'ok');
    await expect(result.getByTestId('action-result')).toHaveAttribute('data-decision', 'ok');
    await expect(result.getByTestId('action-result')).toContainText('Done: committed.');
    await expect(result.getByTestId('result-actor')).toHaveText(actor);
    await expect(result.getByTestId('result-instance-key')).toHaveText(key);
    // a live run consumes its dry run: the next one needs its own
    await expect(live).toBeDisabled();
    await expect(page.getByTestId('live-hint')).toHaveText(
      'That live run used up its dry run (a plan runs once); dry-run again before another live run.',
    );
    await shot(page, testInfo, '5 live result');

    const link = result.getByTestId('instance-link');
    const instanceHref = (await link.getAttribute('href'))!;
    expect(instanceHref).toMatch(/^\/instances\/[0-9a-f-]{36}$/);
    await link.click();
    await page.waitForURL(`**${instanceHref}`);
    await expect(page.getByRole('heading', { level: 1, name: key })).toBeVisible();
    await expect(page.getByTestId('instance-facts')).toContainText(actor);
    await expect(page.getByTestId('instance-facts')).toContainText(eventId);
    await shot(page, testInfo, '6 instance page');

    // the event log holds exactly the live row: the dry run rolled back, Esc wrote nothing
    const rows = await exportFor(page, actor);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_id: eventId,
      emit_mode: 'live',
      status: 'ok',
      triggered_by: actor,
      instance_collection_key: key,
      unique_suffix: suffix,
      note: 'e2e canary',
    });
    expect(`/instances/${rows[0].instance_collection_id}`).toBe(instanceHref);

    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const audit = (await auditRows(admin)).filter((r) => r.params.eventId === eventId);
    expect(audit.filter((r) => r.mode === 'live')).toHaveLength(1);
    expect(audit.find((r) => r.mode === 'live')).toMatchObject({
      username: 'ina',
      role: 'operator',
      recipe: 'instantiate_from_event',
      actor,
      decision: 'ok',
      status: 'ok',
      committed: true,
    });
    expect(audit.filter((r) => r.mode === 'preview').every((r) => r.decision === 'ok' && !r.committed)).toBe(true);
    expect(audit.filter((r) => r.mode === 'preview').length).toBeGreaterThanOrEqual(1);
    await admin.close();
    await ctx.close();
  });

  test('a live run of parameters other than the dry run is refused, a second live run of the event only replays, and a taken key is refused', async ({
    browser,
  }, testInfo) => {
    const ctx = await contextAs(browser, 'ina', 'operator');
    const tpl = await composeTemplate(ctx, `inst-b-${stamp()}`);
    const tag = `inst-${stamp()}`;
    const actor = `ina:${tag}`;
    const suffix = `e2e-${stamp()}`;
    const key = `inst:${tpl.key}/${suffix}`;
    const eventId = uuid();
    // this journey's own first live run of the event, made through the recipes route
    const { href: instanceHref } = await liveInstance(ctx, tpl, { eventId, suffix, tag, note: 'e2e canary' });
    const originalId = (await exportFor(ctx, actor))[0].id;
    const page = await ctx.newPage();
    const tag2 = `${tag}-b`;
    const actor2 = `ina:${tag2}`;

    // a second live run of the same event (same template, same mode): the dry run predicts the replay
    await page.goto('/instantiate');
    await fillForm(page, tpl, { eventId, suffix, tag, note: 'e2e canary' });
    const dry = await dryRun(page);
    await expect(dry.getByTestId('live-prediction')).toHaveAttribute('data-status', 'idempotent_replay');
    await expect(dry.getByTestId('live-prediction')).toContainText(
      `A live run would replay #${originalId}: nothing new would be made`,
    );
    await shot(page, testInfo, '7a predictive dry run: a replay');
    const usedPlan = await goLive(page, key, 'e2e second live run of the same event');
    const result = page.getByTestId('instantiate-result');
    await expect(result).toHaveAttribute('data-kind', 'live');
    await expect(result).toHaveAttribute('data-status', 'idempotent_replay');
    // the headline says what happened: nothing new was made (not "Committed")
    await expect(result.getByTestId('result-headline')).toHaveText('Replayed: nothing new was made');
    await expect(result.getByTestId('action-result')).not.toContainText('Done: committed');
    await expect(result.getByTestId('status-sentence')).toHaveText(
      'This event was already instantiated from this template in this mode; nothing new was made and the existing instance is returned.',
    );
    await expect(result.getByTestId('instance-link')).toHaveAttribute('href', instanceHref);
    await expect(result.getByTestId('instance-link')).toContainText('Open the existing instance');
    await shot(page, testInfo, '7 idempotent replay');
    const rows = await exportFor(page, actor);
    expect(rows.map((r) => r.status).sort()).toEqual(['idempotent_replay', 'ok']);
    const original = rows.find((r) => r.status === 'ok')!;
    expect(rows.find((r) => r.status === 'idempotent_replay')).toMatchObject({
      replay_of_event_log_id: original.id,
      triggered_by: actor,
    });
    // still one instance: its page lists the original row and the replay
    await page.goto(instanceHref);
    await expect(page.getByRole('heading', { level: 1, name: key })).toBeVisible();
    await expect(page.getByText('idempotent_replay')).toBeVisible();

    // server-level: the same live request with another suffix (and its key typed) names a plan already used
    const other = `${suffix}-other`;
    const res = await ctx.request.post('/api/recipes/instantiate-from-event', {
      data: {
        eventId,
        eventType: 'template.published',
        templateCollectionId: tpl.id,
        uniqueSuffix: other,
        note: 'e2e canary',
        runTag: tag,
        emitMode: 'live',
        planId: usedPlan,
        confirmText: `inst:${tpl.key}/${other}`,
        reason: 'e2e replayed request',
      },
    });
    // the plan it names was used up by that live run: refused before anything runs
    expect(res.status()).toBe(409);
    const text = await res.text();
    expect(text).toContain('"status":"plan_used"');
    expect(text).toContain('was already applied');
    expect((await exportFor(page, actor)).filter((r) => r.unique_suffix === other)).toHaveLength(0);

    // a new event whose live key is already taken: the dry run is fine (dryrun: key), live is refused
    await page.goto('/instantiate');
    const eventB = await fillForm(page, tpl, { suffix, tag: tag2 });
    const dryB = await dryRun(page);
    await expect(dryB.getByTestId('live-prediction')).toHaveAttribute(
      'data-status',
      'instance_collection_key_collision',
    );
    await expect(dryB.getByTestId('live-prediction')).toContainText(
      `A live run would be refused: the key ${key} is held by another instance`,
    );
    await shot(page, testInfo, '7b predictive dry run: a taken key');
    await goLive(page, key, 'e2e live run onto a taken key');
    await expect(result).toHaveAttribute('data-kind', 'live');
    await expect(result).toHaveAttribute('data-status', 'instance_collection_key_collision');
    await expect(result.getByTestId('action-result')).toHaveAttribute('data-decision', 'refused');
    await expect(result.getByTestId('action-result')).toContainText(
      'An instance with this key already exists (same template and unique suffix); choose another unique suffix.',
    );
    await expect(result.getByTestId('instance-link')).toHaveCount(0);
    await shot(page, testInfo, '8 key collision refused');
    // the runbook's COMMIT keeps the refusal's log row, and no instance
    const bRows = await exportFor(page, actor2);
    expect(bRows).toHaveLength(1);
    expect(bRows[0]).toMatchObject({
      event_id: eventB,
      status: 'instance_collection_key_collision',
      instance_collection_id: null,
    });
    // the refusal links to the instance that holds the key, which another event made
    await result.getByTestId('taken-instance-link').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(key);
    await expect(page.getByTestId('instance-facts')).not.toContainText(eventB);

    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const audit = await auditRows(admin);
    expect(audit.find((r) => r.params.uniqueSuffix === other)).toMatchObject({
      username: 'ina',
      mode: 'live',
      decision: 'refused',
      status: 'plan_used',
      committed: false,
    });
    expect(audit.find((r) => r.params.eventId === eventB && r.mode === 'live')).toMatchObject({
      decision: 'refused',
      status: 'instance_collection_key_collision',
      actor: actor2,
    });
    await admin.close();
    await ctx.close();
  });

  test('an operator keeps a dry-run instance after its dry run, with a reason', async ({ browser }, testInfo) => {
    const ctx = await contextAs(browser, 'ina', 'operator');
    const tpl = await composeTemplate(ctx, `inst-c-${stamp()}`);
    const TEMPLATE = tpl.key;
    const page = await ctx.newPage();
    const tag3 = `inst-${stamp()}-keep`;
    const keepSuffix = `e2e-${stamp()}-keep`;
    await page.goto('/instantiate');
    const eventC = await fillForm(page, tpl, { suffix: keepSuffix, tag: tag3 });
    await dryRun(page);
    await page.getByRole('button', { name: 'Keep this dry-run instance…' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog.getByTestId('confirm-instance-key')).toHaveText(`dryrun:${TEMPLATE}/${keepSuffix}`);
    await expect(dialog.getByLabel(/Type the instance key/)).toHaveCount(0);
    await expect(dialog.getByTestId('confirm-button')).toBeDisabled();
    await dialog.getByLabel(/Reason/).fill('e2e keep the dry run for review');
    await shot(page, testInfo, '9 keep dialog');
    await dialog.getByTestId('confirm-button').click();
    await expect(dialog).toHaveCount(0);
    const result = page.getByTestId('instantiate-result');
    await expect(result).toHaveAttribute('data-kind', 'keep');
    await expect(result).toHaveAttribute('data-status', 'ok');
    await expect(result.getByTestId('action-result')).toContainText('Committed');
    await result.getByTestId('instance-link').click();
    await expect(page.getByRole('heading', { level: 1, name: `dryrun:${TEMPLATE}/${keepSuffix}` })).toBeVisible();
    await expect(page.getByText('Dry-run instance of')).toBeVisible();
    await shot(page, testInfo, '10 kept dry-run instance');
    const rows = await exportFor(page, `ina:${tag3}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_id: eventC, emit_mode: 'dry_run', status: 'ok' });
    await ctx.close();
  });
});

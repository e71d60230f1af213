// The "new template version" wizard, from an operator's sign-in to the family page: a new
// piece on a taken address is refused with the substrate's sentence and nothing is written;
// then keep, replace, drop, add and reorder, preview (rolled back), commit behind the confirm
// dialog, and read back what the database holds through the family page and /api/audit.
import { expect, test } from '@playwright/test';
import { ADMIN, auditRows, composeTemplate, contextAs, shot } from './helpers';

// each journey first makes its own family (compose, mark, register through the recipes route):
// on a loaded 2-core machine that, the sign-ins and the wizard take longer than the default minute
test.describe.configure({ timeout: 180_000 });

// describeStatus('canonical_address_collision'), the one sentence for this refusal
const COLLISION = 'A new piece uses a canonical address that is already taken; give the piece a different address.';

test('an operator composes the next version of a family: a taken address is refused, then v(n) is previewed and committed after v(n-1)', async ({
  browser,
}, testInfo) => {
  const cora = await contextAs(browser, 'cora', 'operator');
  // a family of this journey's own (v1 through the recipes route), so no other journey's versions matter
  const name = `cmp-${Date.now().toString(36)}`;
  const lead = await contextAs(browser, ADMIN.username, 'lead');
  const FAMILY = (await composeTemplate(lead, name)).family;
  await lead.close();
  const page = await cora.newPage();
  await page.goto('/');
  await page.getByRole('link', { name: 'New version' }).click();
  await expect(page).toHaveURL(/\/compose$/);
  await expect(page.getByRole('heading', { level: 1, name: 'New template version' })).toBeVisible();

  await page.getByLabel('Family', { exact: true }).selectOption(FAMILY);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page).toHaveURL(new RegExp(`family=tpl%3A${name}`));
  const heading = page.getByRole('heading', { name: new RegExp(`^2\\. Version v\\d+ of tpl:${name}$`) });
  await expect(heading).toBeVisible();
  const next = Number(/Version v(\d+)/.exec(await heading.innerText())![1]);
  const prev = `v${next - 1}`;
  const key = `${FAMILY}/v${next}`;
  await shot(page, testInfo, 'compose wizard prefilled');

  const pieces = page.getByTestId('piece-list');
  const group = (name: RegExp) => pieces.getByRole('group', { name });
  // the latest version's pieces come prefilled, each kept (reused) by default
  await expect(group(/: title$/)).toHaveAttribute('data-choice', 'keep');
  const titleAddress = (
    await group(/: title$/)
      .locator('code')
      .nth(1)
      .innerText()
  ).trim();
  expect(titleAddress).toMatch(new RegExp(`^iu_core/template/design/${name}-v\\d+/title$`));
  const before = await pieces.locator(':scope > li').count();

  // a new piece on the address the kept title piece already has
  await page.getByRole('button', { name: 'Add a piece' }).click();
  const added = pieces.locator(':scope > li').last().locator('fieldset');
  await added.getByLabel('Role').fill('security-review');
  await expect(added.getByLabel('Canonical address')).toHaveValue(
    `iu_core/template/design/${name}-v${next}/security-review`,
  );
  await added.getByLabel('Canonical address').fill(titleAddress);
  await added.getByLabel('Piece title').fill('Security review');
  await added
    .getByLabel('Body')
    .fill('Name the threat model you used.\nList every secret the change touches, and who can read it.');
  // the rendered preview keeps the line break
  await expect(added.getByTestId('body-preview')).toContainText('Security review');
  await expect(added.getByTestId('body-preview').locator('p').last()).toHaveText(
    'Name the threat model you used.\nList every secret the change touches, and who can read it.',
  );

  await page.getByTestId('preview-button').click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveAttribute('data-status', 'canonical_address_collision');
  await expect(result).toContainText(COLLISION);
  await expect(added.getByTestId('field-error')).toContainText(`The address ${titleAddress} is already taken`);
  await expect(result).toContainText(`Piece ${before + 1} (security-review), canonical address`);
  await expect(page.getByTestId('commit-button')).toBeDisabled();
  await shot(page, testInfo, 'compose refused: address taken');

  // fix it, and shape the new version: replace risks, drop alternatives, move the new piece up
  await added.getByRole('button', { name: /Use the suggested address/ }).click();
  await expect(added.getByLabel('Canonical address')).toHaveValue(
    `iu_core/template/design/${name}-v${next}/security-review`,
  );
  const risks = group(/: risks$/);
  await risks.getByLabel('Replace').check();
  await expect(risks.getByLabel('Canonical address')).toHaveValue(`iu_core/template/design/${name}-v${next}/risks`);
  await risks
    .getByLabel('Body')
    .fill('List what could go wrong, with likelihood, impact and mitigation.\nName the irreversible steps.');
  await group(/: alternatives$/)
    .getByLabel('Drop')
    .check();
  await expect(pieces.getByRole('group', { name: 'Dropped: alternatives' })).toBeVisible();
  await added.getByRole('button', { name: 'Move security-review up' }).click();
  await expect(
    pieces
      .locator(':scope > li')
      .nth(before - 1)
      .locator('fieldset'),
  ).toHaveAttribute('data-choice', 'new');
  // the form changed: the refused answer stays, a new preview is needed
  await page.getByTestId('preview-button').click();
  await expect(result).toHaveAttribute('data-status', 'ok');
  await expect(result).toContainText('Preview (rolled back)');
  const preview = page.getByTestId('compose-preview');
  await expect(preview.getByTestId('chain-link')).toContainText(`${prev}→v${next}`);
  await expect(preview.getByTestId('new-collection-key')).toHaveText(key);
  await expect(preview.getByTestId('new-pieces').locator('li')).toHaveCount(2);
  await expect(preview.getByTestId('new-pieces')).toContainText('security-review');
  await expect(preview.getByTestId('new-pieces')).toContainText('risks');
  await expect(preview.getByTestId('reused-pieces').locator('li')).toHaveCount(before - 2);
  await expect(preview.getByTestId('dropped-pieces')).toContainText('alternatives');
  await shot(page, testInfo, 'compose preview');

  // a change after the preview takes the commit away until the next preview
  await page.getByLabel('Note (optional)').fill('Security guild: a threat model before build.');
  await expect(page.getByTestId('preview-stale')).toBeVisible();
  await expect(page.getByTestId('commit-button')).toBeDisabled();
  await page.getByTestId('preview-button').click();
  await expect(page.getByTestId('preview-stale')).toHaveCount(0);

  await page.getByTestId('commit-button').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('confirm-button')).toBeDisabled();
  await dialog.getByLabel(/Type the new version's key/).fill(key);
  await dialog.getByLabel('Reason (kept in the audit trail)').fill('security guild asked for a threat model');
  await shot(page, testInfo, 'compose confirm dialog');
  await dialog.getByTestId('confirm-button').click();
  await expect(dialog).toHaveCount(0);
  await expect(result).toHaveAttribute('data-status', 'ok');
  await expect(result).toContainText('Committed');
  await expect(page.getByTestId('compose-committed').getByTestId('chain-link')).toContainText(`${prev}→v${next}`);
  await shot(page, testInfo, 'compose committed');

  // what the database holds: the family page reads the chain and the pieces back
  await page.getByRole('link', { name: `Open ${FAMILY}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: FAMILY })).toBeVisible();
  await expect(page.getByTestId(`version-v${next}`)).toContainText('latest');
  await expect(page.getByTestId(`version-v${next}`)).toContainText('by cora');
  await expect(page.getByTestId(`version-${prev}`)).not.toContainText('latest');
  await expect(page.getByTestId('diff-summary')).toHaveText(
    `${prev} → v${next}: 1 added, 1 removed, 1 changed, ${before - 2} reused.`,
  );
  await expect(page.getByTestId('diff-security-review')).toHaveAttribute('data-kind', 'added');
  await expect(page.getByTestId('diff-risks')).toHaveAttribute('data-kind', 'changed');
  await expect(page.getByTestId('diff-alternatives')).toHaveAttribute('data-kind', 'removed');
  await expect(page.getByTestId('diff-title')).toHaveAttribute('data-kind', 'reused');
  await shot(page, testInfo, 'family page with the new version');

  const admin = await contextAs(browser, ADMIN.username, 'lead');
  const rows = (await auditRows(admin)).filter(
    (r) => r.username === 'cora' && r.recipe === 'compose_template_version' && String(r.params.family).endsWith(name),
  );
  // newest first: the commit, two previews, the refused preview
  expect(rows.map((r) => [r.mode, r.decision, r.status, r.committed])).toEqual([
    ['live', 'ok', 'ok', true],
    ['preview', 'ok', 'ok', false],
    ['preview', 'ok', 'ok', false],
    ['preview', 'refused', 'canonical_address_collision', false],
  ]);
  expect(rows[0]).toMatchObject({ role: 'operator', actor: 'cora' });
  expect((rows[0].params.pieces as { role: string }[]).map((p) => p.role)).toContain('security-review');
  await admin.close();
  await cora.close();
});

test('an operator starts a new family at v1: a bad name is refused, a preview writes nothing', async ({
  browser,
}, testInfo) => {
  const cora = await contextAs(browser, 'cora', 'operator');
  const page = await cora.newPage();
  await page.goto('/compose');
  await page.getByLabel('New family name').fill('release checklist');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('family-invalid')).toContainText('The family name must start with a letter or digit');
  await expect(page.getByTestId('compose-wizard')).toHaveCount(0);

  const name = `release-checklist-${Date.now().toString(36)}`;
  await page.getByLabel('New family name').fill(name);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('heading', { name: `2. Version v1 of tpl:${name}` })).toBeVisible();
  await page.getByLabel('Title', { exact: true }).fill('Release checklist');
  await page.getByLabel('Template label').fill('Release checklist v1');
  // no pieces yet: the refusal names the field
  await page.getByTestId('preview-button').click();
  const result = page.getByTestId('action-result');
  await expect(result).toHaveAttribute('data-status', 'invalid_input');
  await expect(result).toContainText('Add at least one piece.');

  await page.getByRole('button', { name: 'Add a piece' }).click();
  const piece = page.getByTestId('piece-list').locator('fieldset').first();
  await piece.getByLabel('Role').fill('checks');
  await piece.getByLabel('Piece title').fill('Checks');
  await piece.getByLabel('Body').fill('Tick each box before the release train leaves.');
  await expect(piece.getByLabel('Canonical address')).toHaveValue(`iu_core/template/doc/${name}-v1/checks`);
  await page.getByTestId('preview-button').click();
  await expect(result).toHaveAttribute('data-status', 'ok');
  await expect(page.getByTestId('compose-preview')).toContainText(`v1 is the first version of tpl:${name}`);
  await shot(page, testInfo, 'new family preview');

  // the preview rolled back: the family does not exist
  await page.goto(`/templates/families/${encodeURIComponent(`tpl:${name}`)}`);
  await expect(page.getByText(`No version of tpl:${name} is registered.`)).toBeVisible();
  await cora.close();
});

test('a viewer has no compose entry, the page says why, and the recipes route denies it', async ({
  browser,
}, testInfo) => {
  const val = await contextAs(browser, 'val', 'viewer');
  const page = await val.newPage();
  await page.goto('/compose');
  await expect(page.getByTestId('not-allowed')).toBeVisible();
  await expect(page.getByRole('link', { name: 'New version' })).toHaveCount(0);
  await shot(page, testInfo, 'viewer on compose');
  // nor through the recipes route scripts use
  const viaRoute = await val.request.post('/api/recipes/compose-template-version', {
    data: {
      family: 'design-review',
      title: 'T',
      label: 'L',
      pieces: [{ role: 'x', newPiece: { canonicalAddress: 'a/b', title: 't', body: 'b' } }],
      preview: true,
    },
  });
  expect(viaRoute.status()).toBe(403);
  await val.close();
});

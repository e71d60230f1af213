import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { E2E_ADMIN_PASSWORD } from '../playwright.config';

export const ADMIN = { username: 'admin', password: E2E_ADMIN_PASSWORD };

/** Signs in through the sign-in page and waits for the console. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

const made = new Map<string, string>();

/**
 * A signed-in browser context for `username` with `role`. The first time, the admin adds the
 * user on the users page, and the user signs in with the one-time password and changes it.
 */
export async function contextAs(
  browser: Browser,
  username: string,
  role: 'viewer' | 'operator' | 'lead' | '',
): Promise<BrowserContext> {
  if (username === ADMIN.username) {
    const ctx = await browser.newContext();
    await signIn(await ctx.newPage(), ADMIN.username, ADMIN.password);
    return ctx;
  }
  if (!made.has(username)) {
    const admin = await contextAs(browser, ADMIN.username, 'lead');
    const page = await admin.newPage();
    await page.goto('/users');
    const form = page.getByTestId('add-user-form');
    await form.getByLabel('User name').fill(username);
    await form.getByLabel('Role').selectOption(role);
    await form.getByLabel('Reason').fill(`e2e ${role || 'no role'} account`);
    await form.getByRole('button', { name: 'Add user' }).click();
    const otp = (await page.getByTestId('one-time-password').textContent())!.trim();
    await admin.close();

    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signIn(p, username, otp);
    await expect(p).toHaveURL(/\/account\/password$/);
    await expect(p.getByTestId('must-change-password')).toBeVisible();
    const password = `${username}-own-password-1`;
    await p.getByLabel('Current password').fill(otp);
    await p.getByLabel('New password (at least 10 characters)').fill(password);
    await p.getByLabel('New password again').fill(password);
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.waitForURL((u) => u.pathname === '/');
    made.set(username, password);
    return ctx;
  }
  const ctx = await browser.newContext();
  await signIn(await ctx.newPage(), username, made.get(username)!);
  return ctx;
}

export interface AuditRow {
  id: number;
  username: string;
  role: string | null;
  recipe: string;
  mode: string;
  decision: string;
  status: string;
  actor: string | null;
  committed: boolean;
  params: Record<string, unknown>;
  reason: string | null;
  /** The plan a preview made or an apply ran. */
  planId: number | null;
}

/** The audit trail, read through the lead-only export (the server holds the PGlite folder). */
export async function auditRows(admin: BrowserContext): Promise<AuditRow[]> {
  const res = await admin.request.get('/api/audit?limit=1000');
  expect(res.status()).toBe(200);
  return (await res.json()).rows as AuditRow[];
}

export function uuid(): string {
  return crypto.randomUUID();
}

/**
 * Attaches a screenshot of the page to the test's report (full page unless `fullPage` is
 * false: a full-page capture misplaces a fixed dialog overlay), and with E2E_SHOTS_DIR set
 * also writes it there, to look at without opening the report.
 */
export async function shot(page: Page, testInfo: TestInfo, name: string, fullPage = true): Promise<void> {
  const body = await page.screenshot({ fullPage });
  await testInfo.attach(name, { body, contentType: 'image/png' });
  if (process.env.E2E_SHOTS_DIR) {
    fs.mkdirSync(process.env.E2E_SHOTS_DIR, { recursive: true });
    fs.writeFileSync(`${process.env.E2E_SHOTS_DIR}/${name.replace(/[^a-z0-9-]+/gi, '-')}.png`, body);
  }
}

/** A template this journey made for itself: its collection id, key, family and pieces by role. */
export interface OwnTemplate {
  id: string;
  key: string;
  family: string;
  pieces: { role: string; iuId: string }[];
}

/** A piece of a version to compose: a new one, or one of the previous version's reused by id. */
export type ComposePiece = { role: string; newPiece: Record<string, string> } | { role: string; iuId: string };

/** A new piece for `role`, addressed under the family's version `label` (v1, v2, …). */
export const newPiece = (
  family: string,
  label: string,
  role: string,
  text = `What the ${role} says.`,
): ComposePiece => ({
  role,
  newPiece: {
    canonicalAddress: `iu_core/template/design/${family}-${label}/${role}`,
    title: `The ${role}`,
    body: text,
  },
});

/**
 * Composes, marks and registers a version of a template family through the recipes route (a
 * preview, then its plan applied): v1 of a new family, or the next after `previous`.
 */
export async function composeVersion(
  ctx: BrowserContext,
  family: string,
  pieces: ComposePiece[],
  previous?: OwnTemplate,
): Promise<OwnTemplate> {
  const label = previous ? `v${Number(previous.key.split('/v').pop()) + 1}` : 'v1';
  const body = {
    family,
    title: `Journey ${family}`,
    label: `${family} ${label}`,
    pieces,
    ...(previous ? { previousCollectionId: previous.id } : {}),
  };
  const preview = await ctx.request.post('/api/recipes/compose-template-version', { data: { ...body, preview: true } });
  const planned = await preview.json();
  expect(preview.status(), JSON.stringify(planned)).toBe(200);
  const res = await ctx.request.post('/api/recipes/compose-template-version', {
    data: {
      ...body,
      preview: false,
      planId: planned.plan.id,
      confirmText: planned.result.collectionKey,
      reason: 'e2e: a family of its own',
    },
  });
  const made = await res.json();
  expect(res.status(), JSON.stringify(made)).toBe(200);
  return {
    id: made.result.collectionId,
    key: made.result.collectionKey,
    family: `tpl:${family}`,
    pieces: (made.result.pieces as { role: string; iuId: string }[]).map(({ role, iuId }) => ({ role, iuId })),
  };
}

/**
 * v1 of a new template family, so a journey works on data of its own, whatever other journeys
 * did to the demo families and in whatever order they ran.
 */
export async function composeTemplate(
  ctx: BrowserContext,
  family: string,
  roles: string[] = ['title', 'context', 'risks', 'alternatives'],
): Promise<OwnTemplate> {
  return composeVersion(
    ctx,
    family,
    roles.map((role) => newPiece(family, 'v1', role)),
  );
}

/** A live instance made through the recipes route: a dry run, then its plan applied. */
export async function liveInstance(
  ctx: BrowserContext,
  tpl: OwnTemplate,
  p: { eventId: string; suffix: string; tag: string; note?: string },
): Promise<{ instanceId: string; instanceKey: string; href: string }> {
  const base = {
    eventId: p.eventId,
    eventType: 'template.published',
    templateCollectionId: tpl.id,
    uniqueSuffix: p.suffix,
    runTag: p.tag,
    note: p.note,
  };
  const dry = await ctx.request.post('/api/recipes/instantiate-from-event', {
    data: { ...base, emitMode: 'dry_run', preview: true },
  });
  const planId = (await dry.json()).plan.id as number;
  const res = await ctx.request.post('/api/recipes/instantiate-from-event', {
    data: {
      ...base,
      emitMode: 'live',
      planId,
      confirmText: `inst:${tpl.key}/${p.suffix}`,
      reason: 'e2e: the first live run of this event',
    },
  });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  return {
    instanceId: body.result.instanceCollectionId as string,
    instanceKey: body.result.instanceCollectionKey as string,
    href: `/instances/${body.result.instanceCollectionId}`,
  };
}

/** Rolls back every instance of `actor` through the recipes route (a dry run, then its plan); a lead's context. */
export async function rollBackActor(lead: BrowserContext, actor: string): Promise<void> {
  const dry = await lead.request.post('/api/recipes/rollback-by-actor', {
    data: { targetActor: actor, durable: false },
  });
  const planned = await dry.json();
  expect(dry.status(), JSON.stringify(planned)).toBe(200);
  const res = await lead.request.post('/api/recipes/rollback-by-actor', {
    data: { targetActor: actor, durable: true, planId: planned.plan.id, confirmText: actor, reason: 'e2e: roll back' },
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** Any POST the page sends: a preview, an apply, whatever the transport. */
export const isPost = (r: { method(): string }) => r.method() === 'POST';

/**
 * Runs axe (WCAG 2.1 A and AA rules) over the page as it is now and fails on any critical or
 * serious finding, listing each with the elements it names; `include` narrows it to a part.
 */
export async function expectAxeClean(page: Page, label: string, include?: string): Promise<void> {
  let axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) axe = axe.include(include);
  const { violations } = await axe.analyze();
  const bad = violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `axe found critical or serious problems on ${label}`).toEqual([]);
}

/**
 * Fails when the page is wider than its viewport, naming the widest elements that stick
 * out, so a failure says where to look.
 */
export async function expectNoSidewaysScroll(page: Page, label: string): Promise<void> {
  const r = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter(({ right }) => right > vw + 1);
    // what sticks out outside a scroller is the likely cause; else something escaped one
    const outside = wide.filter(({ el }) => !el.closest('.table-scroll, .overflow-x-auto'));
    const out = (outside.length ? outside : wide)
      .sort((a, b) => b.right - a.right)
      .slice(0, 5)
      .map(({ el, right }) => `${el.tagName.toLowerCase()}.${el.className} → ${Math.round(right)}px`);
    return { width: document.documentElement.scrollWidth, vw, out };
  });
  expect(r.width, `${label} is ${r.width}px wide on a ${r.vw}px screen: ${r.out.join('; ')}`).toBeLessThanOrEqual(r.vw);
}

/**
 * Every page a role's navigation offers, as the signed-in `page` sees it, and one of each
 * detail page it can reach (a template family, an actor, an instance, the event drawer, a
 * search, a bulk job when the demo data has one), plus the password page.
 */
export async function consolePages(page: Page): Promise<string[]> {
  await page.goto('/');
  // by selector, not role: on a phone the navigation is folded away, and role locators skip hidden parts
  const nav = await page
    .locator('nav[aria-label="Main"] a')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
  const firstLink = async (from: string, prefix: string) => {
    if (!nav.includes(from)) return [];
    await page.goto(from);
    const href = await page.locator(`main a[href^="${prefix}"]`).first().getAttribute('href', { timeout: 2000 });
    return href ? [href] : [];
  };
  const detail = [
    ...(await firstLink('/templates', '/templates/families/')),
    ...(await firstLink('/actors', '/actors/')),
    ...(await firstLink('/bulk', '/bulk/').catch(() => [])),
  ];
  const res = await page.request.get('/api/events/export?format=json&status=ok&mode=live&rolledBack=no');
  const rows = (await res.json()) as { id: number; event_id: string; instance_collection_key: string | null }[];
  const withInstance = rows.find((r) => r.instance_collection_key);
  if (withInstance) {
    detail.push(`/instances/${encodeURIComponent(withInstance.instance_collection_key!)}`);
    detail.push(`/events?event=${withInstance.id}`);
  }
  // a search that finds one thing opens it at once; a miss stays on the search page
  return [...nav, ...detail, '/search?q=no-such-thing', '/account/password'];
}

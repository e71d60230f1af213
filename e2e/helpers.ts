import fs from 'node:fs';
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

/** A template this journey made for itself: its collection id, key and family. */
export interface OwnTemplate {
  id: string;
  key: string;
  family: string;
}

/**
 * Composes, marks and registers v1 of a new template family through the recipes route (a
 * preview, then its plan applied), so a journey works on data of its own, whatever other
 * journeys did to the demo families and in whatever order they ran.
 */
export async function composeTemplate(
  ctx: BrowserContext,
  family: string,
  roles: string[] = ['title', 'context', 'risks', 'alternatives'],
  macro = 'design',
): Promise<OwnTemplate> {
  const body = {
    family,
    title: `Journey ${family}`,
    label: `${family} v1`,
    pieces: roles.map((role) => ({
      role,
      newPiece: {
        canonicalAddress: `iu_core/template/${macro}/${family}-v1/${role}`,
        title: `The ${role}`,
        body: `What the ${role} says.`,
      },
    })),
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
  return { id: made.result.collectionId, key: made.result.collectionKey, family: `tpl:${family}` };
}

/** Any POST the page sends: a preview, an apply, whatever the transport. */
export const isPost = (r: { method(): string }) => r.method() === 'POST';

import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;
// Two more consoles in trusted-header mode: one trusts only 192.0.2.1 (a documentation
// address nothing here ever connects from), so a header sent from 127.0.0.1 is forged; the
// other trusts 127.0.0.1, standing in for an oauth2-proxy on the same machine.
export const UNTRUSTED_PORT = port + 1;
export const TRUSTED_PORT = port + 2;

// A new PGlite folder for every run, so no test leans on what an earlier run left behind.
// Kept in the environment because Playwright loads this file again in each worker.
process.env.E2E_PGLITE_DIR ??= path.resolve(
  '.data',
  `e2e-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`,
);
const pgliteDir = process.env.E2E_PGLITE_DIR;
/** The first lead's password, given so the journeys can sign in (then it is not one-time). */
export const E2E_ADMIN_PASSWORD = 'e2e-admin-password-1';

const common = {
  DATABASE_URL: '',
  NEXT_TELEMETRY_DISABLED: '1',
  IU_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
  // every journey signs in from 127.0.0.1; the limit itself is proved in tests/auth-signin.test.ts
  IU_SIGNIN_MAX_ATTEMPTS: '200',
  BETTER_AUTH_SECRET: '',
  IU_AUTH_MODE: '',
};

export default defineConfig({
  testDir: 'e2e',
  // its own folder: Playwright empties outputDir at start, and test-results/ also holds
  // vitest.json, which the closing summary line reads
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    {
      // The same path as `npm start`: build if stale, migrate, seed the empty folder, make the
      // first lead, serve through server.ts.
      command: 'bash scripts/start.sh',
      url: `${baseURL}/api/health`,
      reuseExistingServer: false,
      timeout: 300_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...common, PORT: String(port), IU_PGLITE_DIR: pgliteDir },
    },
    ...[
      { p: UNTRUSTED_PORT, proxies: '192.0.2.1' },
      { p: TRUSTED_PORT, proxies: '127.0.0.1,::1' },
    ].map(({ p, proxies }) => ({
      command: 'bash scripts/start.sh',
      url: `http://localhost:${p}/api/health`,
      reuseExistingServer: false,
      timeout: 300_000,
      stdout: 'pipe' as const,
      stderr: 'pipe' as const,
      env: {
        ...common,
        PORT: String(p),
        IU_PGLITE_DIR: `${pgliteDir}-sso-${p}`,
        IU_SKIP_SEED: '1',
        IU_AUTH_MODE: 'trusted-header',
        IU_TRUSTED_PROXIES: proxies,
        IU_AUTH_GROUP_ROLES: 'ops-leads:lead,ops:operator,ops-readers:viewer',
      },
    })),
  ],
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@': root.replace(/\/$/, ''),
      // lib/queries/* mark themselves server-only for Next.js; under Vitest that marker
      // package would throw, so it is swapped for an empty module
      'server-only': `${root.replace(/\/$/, '')}/tests/helpers/server-only.ts`,
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts', 'lib/**/*.test.ts', 'components/**/*.test.ts'],
    exclude: ['e2e/**', 'node_modules/**', '.next/**'],
    // Each file starts its own PGlite (~100+ MB) and, with TEST_DATABASE_URL, its own
    // PostgreSQL database; two workers keep a 2-core machine busy without starving the
    // timing-sensitive lock tests.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

// npm test's closing line (scripts/test-summary.mjs) over real reports: a test file that
// failed in its setup is a failure, never "0 failed". vitest-setup-failures.json is what
// vitest 4 wrote for three files: one whose beforeAll throws, one whose import fails, and
// one with a pass, a skip and a failure.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => `tests/fixtures/test-summary/${name}`;
const summary = (...files: string[]) =>
  execFileSync('node', ['scripts/test-summary.mjs', ...files], { cwd: root, encoding: 'utf8' }).trim();

describe('the test summary line', () => {
  it('counts a vitest file whose beforeAll threw, and one whose import failed, as failed', () => {
    // 1 failed test + 2 files that failed in setup; the setup file's test never ran, so it is not "skipped"
    expect(summary(fixture('vitest-setup-failures.json'))).toBe('tests: 1 passed, 3 failed, 1 skipped');
  });

  it('counts an error Playwright reports outside any test (a spec that cannot load) as failed', () => {
    expect(summary(fixture('playwright-setup-failure.json'))).toBe('tests: 1 passed, 1 failed, 0 skipped');
  });

  it('adds the reports up and ignores a report that is missing (journeys skipped)', () => {
    expect(
      summary(
        fixture('vitest-setup-failures.json'),
        fixture('playwright-setup-failure.json'),
        '.test-reports/none.json',
      ),
    ).toBe('tests: 2 passed, 4 failed, 1 skipped');
  });
});

// Prints one closing line, "tests: N passed, N failed, N skipped", over vitest's and
// Playwright's JSON reports.
//
// A test file that fails before its tests run (an import that throws, a beforeAll that
// fails) reports no failed test: vitest marks the file failed and its tests skipped or
// absent, and Playwright puts the error beside the tests. Such a file counts as one failure
// here, and its tests that never ran are not counted as skipped, so the line cannot read
// "0 failed" over a broken suite.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Counts for one report: vitest's (testResults) or Playwright's (stats). */
export function countReport(r) {
  const c = { passed: 0, failed: 0, skipped: 0 };
  if (Array.isArray(r.testResults)) {
    for (const file of r.testResults) {
      const tests = file.assertionResults ?? [];
      const n = (s) => tests.filter((t) => t.status === s).length;
      c.passed += n('passed');
      c.failed += n('failed');
      if (file.status === 'failed' && n('failed') === 0) c.failed += 1;
      else c.skipped += n('skipped') + n('pending') + n('todo');
    }
  } else if (typeof r.numPassedTests === 'number') {
    c.passed += r.numPassedTests;
    c.failed += r.numFailedTests;
    c.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (r.stats) {
    c.passed += (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
    c.failed += (r.stats.unexpected ?? 0) + (r.errors?.length ?? 0);
    c.skipped += r.stats.skipped ?? 0;
  }
  return c;
}

export function summaryLine(files) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const c = countReport(JSON.parse(fs.readFileSync(file, 'utf8')));
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  return `tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`;
}

// run as a script (npm test); imported by its test
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  console.log(`\n${summaryLine(process.argv.slice(2))}`);

// The real psql binary, as an operator runs it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export interface PsqlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs psql with `args` from the repository root; never throws on a non-zero exit. */
export function psql(env: NodeJS.ProcessEnv, args: string[]): Promise<PsqlRun> {
  return new Promise((resolve, reject) => {
    execFile('psql', args, { env, cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err); // psql missing
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Runs a file the way the runbook's recipes are meant to run (stop at the first error), with
 * output trimmed to bare values (-q -A -t) so jsonb answers come out one per line.
 */
export async function psqlFile(
  env: NodeJS.ProcessEnv,
  file: string,
): Promise<PsqlRun & { json: Record<string, unknown>[] }> {
  const run = await psql(env, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', file]);
  const json = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...run, json };
}

/** The NOTICE lines `bulk #<i> -> <status>` of the runbook's bulk DO loop, in order. */
export function bulkNotices(stderr: string): { i: number; status: string }[] {
  return [...stderr.matchAll(/bulk #(\d+) -> (\w+)/g)].map((m) => ({ i: Number(m[1]), status: m[2] }));
}

// `iu --help` as a person reads it: every recipe of the catalog has its command, found from
// its folder (lib/recipes/<slug>/cli.ts) by the catalog alone, under the catalog's name, next
// to the commands that are not recipes. A catalog line whose folder has no cli.ts, or one whose
// cli.ts exports no register(program), makes the CLI fail to start, and this test with it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RECIPE_CATALOG, RECIPE_SLUGS } from '@/lib/recipes/catalog';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');

describe('iu --help', () => {
  it('lists a command for every catalog recipe, under its catalog name, beside the commands that are not recipes', async () => {
    const { stdout } = await run(TSX, ['scripts/iu.ts', '--help'], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    // the command names, as the help's Commands block lists them (`compose|compose-template-version`)
    const block = stdout.split('Commands:\n')[1].split('\n\n')[0];
    const commands = block.split('\n').map((l) => l.trim().split(/\s+/)[0]);
    for (const slug of RECIPE_SLUGS) {
      const [name, alias] = commands.find((c) => c.split('|')[0] === RECIPE_CATALOG[slug].cli)?.split('|') ?? [];
      expect(name, `${slug} has its command`).toBe(RECIPE_CATALOG[slug].cli);
      // where a command is named otherwise than its recipe, the slug is its alias
      if (alias !== undefined) expect(alias, slug).toBe(slug);
    }
    expect(commands).toEqual(expect.arrayContaining(['status', 'users', 'requests', 'approve', 'reject', 'help']));
    expect(commands).toHaveLength(RECIPE_SLUGS.length + 6);
  });
});

// The README's "Users from the command line" block, run line by line exactly as written (only
// `npm run iu --` becomes the script it runs), through a real shell, on a throwaway database
// of each backend; every effect is then read back from the database.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { verifyPassword } from 'better-auth/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** The shell lines of the README's users block, comments and all. */
function readmeUserLines(readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')): string[] {
  const at = readme.indexOf('**Users from the command line**');
  if (at < 0) throw new Error('README.md has no "Users from the command line" paragraph');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error('README.md has no sh block after "Users from the command line"');
  return block[1].split('\n').filter((l) => l.trim().startsWith('npm run iu -- users'));
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** One README line through sh, with `npm run iu --` replaced by the tsx call npm would make. */
async function sh(line: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const cmd = line.replace(/^\s*npm run iu --/, `${path.join(ROOT, 'node_modules/.bin/tsx')} scripts/iu.ts`);
  try {
    const r = await run('sh', ['-c', cmd], { cwd: ROOT, env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The subcommand a README line runs (`add`, `set-role`, …). */
const verb = (line: string) => line.replace(/^\s*npm run iu -- users\s+/, '').split(/\s+/)[0];

interface Backend {
  /** The environment the CLI sees: this database and nothing else. */
  env(): NodeJS.ProcessEnv;
  /** A fresh connection to read the effects with (PGlite lets one process in at a time). */
  read<T>(fn: (db: Database) => Promise<T>): Promise<T>;
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, IU_USER: 'ops-root' };
  delete env.DATABASE_URL;
  delete env.IU_PGLITE_DIR;
  delete env.IU_ADMIN_PASSWORD;
  delete env.IU_ADMIN_USER;
  return env;
}

function pgliteBackend(): Backend {
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iu-cli-users-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    env: () => ({ ...baseEnv(), IU_PGLITE_DIR: dir }),
    async read(fn) {
      const db = await openDatabase({ dataDir: dir });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
  };
}

function postgresBackend(): Backend {
  const t = useTestDatabase('postgres', { migrated: false });
  return {
    env: () => ({ ...baseEnv(), DATABASE_URL: t.url }),
    read: (fn) => fn(t.db),
  };
}

async function userRow(db: Database, username: string) {
  const [u] = await db.query<{
    id: string;
    role: string | null;
    banned: boolean;
    must_change_password: boolean;
    password: string | null;
  }>(
    `SELECT u.id, u.role, u.banned, u.must_change_password, a.password
       FROM auth_user u LEFT JOIN auth_account a ON a.user_id = u.id AND a.provider_id = 'credential'
      WHERE u.username = $1`,
    [username],
  );
  return u;
}

async function lastAudit(db: Database, recipe: string) {
  const [a] = await db.query<{
    username: string;
    role: string;
    decision: string;
    reason: string | null;
    params: Record<string, unknown>;
  }>(
    'SELECT username, role, decision, reason, params FROM console_audit_log WHERE recipe = $1 ORDER BY id DESC LIMIT 1',
    [recipe],
  );
  return a;
}

const oneTimeFrom = (stdout: string) => /One-time password[^:]*: (\S+)/.exec(stdout)?.[1];

const backends: [string, () => Backend, boolean][] = [
  ['PGlite', pgliteBackend, true],
  [`PostgreSQL${hasPostgres ? '' : ` (${PG_ONLY})`}`, postgresBackend, hasPostgres],
];

describe('the README users block', () => {
  it('has the commands these tests check, each with a reason where a change needs one', () => {
    const lines = readmeUserLines();
    expect(lines.map(verb)).toEqual(['list', 'add', 'set-role', 'disable', 'enable', 'reset-password', 'bootstrap']);
    for (const l of lines.filter((x) => !['list', 'bootstrap'].includes(verb(x))))
      expect(l).toMatch(/--reason "[^"]+"/);
  });
});

for (const [name, make, enabled] of backends) {
  describe.skipIf(!enabled)(`npm run iu -- users, line by line from the README, on ${name}`, () => {
    const b = make();
    const lines = readmeUserLines();
    const line = (v: string) => lines.find((l) => verb(l) === v)!;
    let alicePassword: string | undefined;

    it('makes the first lead with users bootstrap on an empty database, and then does nothing', async () => {
      // the database as `npm run db:migrate` leaves it, before the first start
      await b.read(async (db) => {
        await migrate(db);
      });
      const first = await sh(line('bootstrap'), b.env());
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const otp = /One-time password: (\S+)/.exec(first.stdout)?.[1];
      expect(otp).toBeTruthy();
      await b.read(async (db) => {
        const admin = await userRow(db, 'admin');
        expect(admin).toMatchObject({ role: 'lead', banned: false, must_change_password: true });
        expect(await verifyPassword({ hash: admin.password!, password: otp! })).toBe(true);
        expect(await lastAudit(db, 'user_bootstrap')).toMatchObject({
          username: 'ops-root',
          role: 'cli',
          decision: 'ok',
        });
      });
      const again = await sh(line('bootstrap'), b.env());
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('Console accounts exist already; nothing to do.');
      await b.read(async (db) => expect(await db.query('SELECT 1 FROM auth_user')).toHaveLength(1));
    });

    it('lists the accounts', async () => {
      const r = await sh(line('list'), b.env());
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/admin\s*│\s*lead/);
    });

    it('adds alice as an operator with a one-time password, audited with the reason', async () => {
      const r = await sh(line('add'), b.env());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      alicePassword = oneTimeFrom(r.stdout);
      expect(alicePassword).toBeTruthy();
      await b.read(async (db) => {
        const alice = await userRow(db, 'alice');
        expect(alice).toMatchObject({ role: 'operator', banned: false, must_change_password: true });
        expect(await verifyPassword({ hash: alice.password!, password: alicePassword! })).toBe(true);
        const a = await lastAudit(db, 'user_add');
        expect(a).toMatchObject({ username: 'ops-root', role: 'cli', decision: 'ok', reason: 'joined ops' });
        expect(JSON.stringify(a.params)).not.toContain(alicePassword!);
      });
    });

    it('makes alice a lead', async () => {
      const r = await sh(line('set-role'), b.env());
      expect(r.code).toBe(0);
      await b.read(async (db) => {
        expect(await userRow(db, 'alice')).toMatchObject({ role: 'lead' });
        expect(await lastAudit(db, 'user_set_role')).toMatchObject({ decision: 'ok', reason: 'promoted' });
      });
    });

    it('disables alice and ends her sessions', async () => {
      await b.read(async (db) => {
        const { id } = await userRow(db, 'alice');
        await db.query(
          "INSERT INTO auth_session (id, expires_at, token, user_id) VALUES ('s-alice', now() + interval '1 hour', 'tok-alice', $1)",
          [id],
        );
      });
      const r = await sh(line('disable'), b.env());
      expect(r.code).toBe(0);
      await b.read(async (db) => {
        const alice = await userRow(db, 'alice');
        expect(alice.banned).toBe(true);
        expect(await db.query('SELECT 1 FROM auth_session WHERE user_id = $1', [alice.id])).toHaveLength(0);
        expect(await lastAudit(db, 'user_set_disabled')).toMatchObject({ decision: 'ok', reason: 'left' });
      });
    });

    it('enables alice again', async () => {
      const r = await sh(line('enable'), b.env());
      expect(r.code).toBe(0);
      await b.read(async (db) => {
        expect((await userRow(db, 'alice')).banned).toBe(false);
        expect(await lastAudit(db, 'user_set_disabled')).toMatchObject({ decision: 'ok', reason: 'back' });
      });
    });

    it('gives alice a new one-time password that replaces the old one', async () => {
      const r = await sh(line('reset-password'), b.env());
      expect(r.code).toBe(0);
      const fresh = oneTimeFrom(r.stdout);
      expect(fresh).toBeTruthy();
      expect(fresh).not.toBe(alicePassword);
      await b.read(async (db) => {
        const alice = await userRow(db, 'alice');
        expect(alice.must_change_password).toBe(true);
        expect(await verifyPassword({ hash: alice.password!, password: fresh! })).toBe(true);
        expect(await verifyPassword({ hash: alice.password!, password: alicePassword! })).toBe(false);
        expect(await lastAudit(db, 'user_reset_password')).toMatchObject({ decision: 'ok', reason: 'forgot it' });
      });
    });

    it('refuses a change without --reason with a sentence that names the flag, and records only the attempt', async () => {
      const r = await sh('npm run iu -- users set-role alice viewer', b.env());
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('A reason is required');
      expect(r.stderr).toContain('--reason');
      await b.read(async (db) => {
        expect(await userRow(db, 'alice')).toMatchObject({ role: 'lead' });
        expect(await lastAudit(db, 'user_set_role')).toMatchObject({ decision: 'invalid', reason: null });
      });
    });

    it('refuses --reason before the subcommand, where it would belong to no command, and changes nothing', async () => {
      const r = await sh('npm run iu -- --reason "demoted again" users set-role alice viewer', b.env());
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/unknown option '--reason'/);
      await b.read(async (db) => {
        expect(await lastAudit(db, 'user_set_role')).not.toMatchObject({ reason: 'demoted again' });
      });
    });
  });
}

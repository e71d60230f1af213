// The CLI's approval commands as people run them: `npx tsx scripts/iu.ts … --json` on a
// throwaway database of each backend, with the shipped approval policy on. An operator's live
// bulk of 1,000 items is refused approval_required until another person approves its request;
// the requester then applies it once (the bulk job runs in the CLI process to its end). A
// rejected rollback is refused until a lead breaks glass, flagged in the audit trail. Bad
// input is refused with exit 2 and a sentence, and writes nothing but its audit row.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { count, instantiate, makeTemplate, uniq } from './helpers/substrate';

const TSX = path.resolve('node_modules/.bin/tsx');
/** Each CLI run starts tsx and opens the database: seconds each, more on a busy machine. */
const SCENARIO_MS = 600_000;

interface Cli {
  code: number;
  json: Record<string, any>;
  stderr: string;
}

interface Backend {
  /** The environment the CLI sees: this database and nothing else. */
  env(): NodeJS.ProcessEnv;
  /** Reads the database between CLI runs (PGlite lets one process in at a time). */
  read<T>(fn: (db: Database) => Promise<T>): Promise<T>;
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  delete env.DATABASE_URL;
  delete env.IU_PGLITE_DIR;
  return env;
}

function pgliteBackend(): Backend {
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iu-cli-approvals-'));
    // migrated as `npm run db:migrate` leaves it: the shipped approval policy is on
    const db = await openDatabase({ dataDir: dir });
    await migrate(db);
    await db.close();
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
  const t = useTestDatabase('postgres', { approvalPolicy: true });
  return { env: () => ({ ...baseEnv(), DATABASE_URL: t.url }), read: (fn) => fn(t.db) };
}

const backends: [string, () => Backend, boolean][] = [
  ['PGlite', pgliteBackend, true],
  [`PostgreSQL${hasPostgres ? '' : ` (${PG_ONLY})`}`, postgresBackend, hasPostgres],
];

const audits = (db: Database) => count(db, 'console_audit_log');
const events = (db: Database) => count(db, `iu_auto_instantiate_event_log WHERE status = 'ok'`);
const instances = (db: Database) => count(db, 'iu_piece_collection WHERE instance_template_id IS NOT NULL');
const lastAudit = async (db: Database, where = 'true') =>
  (
    await db.query<Record<string, any>>(
      `SELECT username, role, recipe, decision, status, plan_id::int AS plan_id, committed, summary, reason, params
         FROM console_audit_log WHERE ${where} ORDER BY id DESC LIMIT 1`,
    )
  )[0];

for (const [name, make, enabled] of backends) {
  describe.skipIf(!enabled)(`iu requests, approve, reject on ${name} (approval policy on)`, () => {
    const b = make();
    let tpl = '';
    const canary = uniq('canary');

    const iu = (user: string, args: string[]): Promise<Cli> =>
      new Promise((resolve, reject) => {
        execFile(
          TSX,
          ['scripts/iu.ts', '--json', ...args],
          { env: { ...b.env(), IU_USER: user }, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
            try {
              resolve({ code, json: JSON.parse(stdout), stderr });
            } catch {
              reject(new Error(`iu ${args.join(' ')} exited ${code} without one JSON document:\n${stdout}\n${stderr}`));
            }
          },
        );
      });

    beforeAll(async () => {
      await b.read(async (db) => {
        tpl = (await makeTemplate(db)).id;
        // two instances by a canary actor, for the rollback (durable: a lead must approve)
        for (let i = 0; i < 2; i++)
          expect((await instantiate(db, { templateId: tpl, mode: 'live', actor: canary })).status).toBe('ok');
      });
    });

    it(
      "an operator's live bulk of 1,000: refused until another person approves its request, then applied once",
      async () => {
        const batch = uniq('w');
        const preview = await iu('olga', [
          'bulk',
          '--template',
          tpl,
          '--n',
          '1000',
          '--prefix',
          '25000e00-',
          '--batch',
          batch,
          '--no-progress',
          '--reason',
          'wave one',
        ]);
        expect(preview.code).toBe(0);
        expect(preview.json).toMatchObject({
          ok: true,
          committed: false,
          result: { total: 1000, counts: { ok: 1000 } },
          plan: { id: expect.any(Number), username: 'olga' },
          approval: { approvers: 1, minRole: 'operator', requestId: null },
        });
        const planId = preview.json.plan.id as number;
        const apply = preview.json.apply.args as string[];
        const before = await b.read(async (db) => ({ events: await events(db), audits: await audits(db) }));

        // the printed apply, before any approval: refused with the sentence naming the next step
        const early = await iu('olga', apply.slice(1));
        expect(early.code).toBe(2);
        expect(early.json).toMatchObject({ ok: false, status: 'approval_required', committed: false, planId });
        expect(early.json.message).toContain('This apply needs approval: a live run of bulk scale-out of 1,000 items');
        expect(early.json.message).toContain(`iu requests create --plan ${planId} --reason`);
        expect(early.stderr).toContain('refused: approval_required');

        const created = await iu('olga', ['requests', 'create', '--plan', String(planId), '--reason', 'wave one']);
        expect(created.code).toBe(0);
        expect(created.json).toMatchObject({
          ok: true,
          result: { planId, requester: 'olga', status: 'pending', approvers: [] },
        });
        const requestId = created.json.result.requestId as number;

        const own = await iu('olga', ['approve', String(requestId), '--reason', 'looks fine to me']);
        expect(own.code).toBe(2);
        expect(own.json).toMatchObject({ ok: false, status: 'denied' });
        expect(own.json.message).toBe(
          `Request #${requestId} is your own; nobody approves or rejects their own request. Ask another operator or a lead to decide it.`,
        );

        const recheck = await iu('lars', ['requests', 'recheck', String(requestId)]);
        expect(recheck.code).toBe(0);
        expect(recheck.json).toMatchObject({ ok: true, requestId, planId, drift: null });
        expect(recheck.json.message).toBe(`No drift: the preview now does exactly what plan #${planId} showed.`);

        const approved = await iu('lars', ['approve', String(requestId), '--reason', 'checked, no drift']);
        expect(approved.code).toBe(0);
        expect(approved.json).toMatchObject({
          ok: true,
          result: { requestId, status: 'approved', approvers: ['lars'] },
        });

        const listed = await iu('olga', ['requests', '--status', 'approved']);
        expect(listed.code).toBe(0);
        expect(listed.json.requests).toEqual([
          expect.objectContaining({
            id: requestId,
            planId,
            requester: 'olga',
            status: 'approved',
            approvers: ['lars'],
          }),
        ]);

        await b.read(async (db) => {
          // the refused apply, the request, the self-approval, the re-check and the approval: one row each
          expect(await audits(db)).toBe(before.audits + 5);
          expect(await events(db)).toBe(before.events);
        });

        const applied = await iu('olga', [
          'requests',
          'apply',
          String(requestId),
          '--confirm',
          batch,
          '--reason',
          'wave one, approved',
        ]);
        expect(applied.code).toBe(0);
        expect(applied.json).toMatchObject({
          ok: true,
          job: { status: 'succeeded', committed: true, total: 1000, done: 1000, planId },
        });
        // a second apply of the same request: refused, nothing more written
        const again = await iu('olga', [
          'requests',
          'apply',
          String(requestId),
          '--confirm',
          batch,
          '--reason',
          'once more',
        ]);
        expect(again.code).toBe(2);
        expect(again.json).toMatchObject({ ok: false, result: { status: 'plan_used', committed: false } });

        await b.read(async (db) => {
          expect(await events(db)).toBe(before.events + 1000);
          const row = await lastAudit(db, `recipe = 'bulk_scale_out' AND committed`);
          expect(row).toMatchObject({ username: 'olga', plan_id: planId, decision: 'ok' });
          expect(row.params.approval).toEqual({ requestId, requester: 'olga', approvers: ['lars'] });
          expect(row.summary).toContain(`(requested by olga, approved by lars, request #${requestId})`);
          const [req] = await db.query<{ status: string; applied_by: string }>(
            'SELECT status, applied_by FROM console_approval_request WHERE id = $1',
            [requestId],
          );
          expect(req).toEqual({ status: 'applied', applied_by: 'olga' });
          expect(await count(db, `dot_config WHERE key LIKE 'iu_core.%' AND value <> 'false'`)).toBe(0);
        });
      },
      SCENARIO_MS,
    );

    it(
      'a rejected rollback is refused approval_rejected; a lead breaks glass with a reason, flagged',
      async () => {
        const preview = await iu('lena', ['rollback-actor', '--actor', canary]);
        expect(preview.code).toBe(0);
        expect(preview.json).toMatchObject({ result: { instanceCount: 2 }, approval: { minRole: 'lead' } });
        const planId = preview.json.plan.id as number;
        const created = await iu('lena', ['requests', 'create', '--plan', String(planId), '--reason', 'bad canary']);
        expect(created.code).toBe(0);
        const requestId = created.json.result.requestId as number;

        const rejected = await iu('lars', ['reject', String(requestId), '--reason', 'not during the launch']);
        expect(rejected.code).toBe(0);
        expect(rejected.json).toMatchObject({ ok: true, result: { status: 'rejected', rejectedBy: 'lars' } });

        const apply = ['requests', 'apply', String(requestId), '--confirm', canary, '--reason', 'bad canary'];
        const standing = await b.read(instances);
        const refused = await iu('lena', apply);
        expect(refused.code).toBe(2);
        expect(refused.json.result).toMatchObject({ status: 'approval_rejected', committed: false });
        expect(refused.json.result.message).toBe(
          `Request #${requestId} for plan #${planId} was rejected by lars ("not during the launch"); nothing was run.`,
        );
        expect(await b.read(instances)).toBe(standing);

        const glass = await iu('lena', [...apply.slice(0, -1), 'outage: the canary corrupts pages', '--break-glass']);
        expect(glass.code).toBe(0);
        expect(glass.json).toMatchObject({ ok: true, result: { committed: true } });
        await b.read(async (db) => {
          expect(await instances(db)).toBe(standing - 2);
          const row = await lastAudit(db, `recipe = 'rollback_by_actor' AND committed`);
          expect(row).toMatchObject({ username: 'lena', role: 'cli', plan_id: planId });
          expect(row.params.breakGlass).toBe(true);
          expect(row.summary).toContain('BREAK-GLASS by lena');
          expect(await lastAudit(db, `recipe = 'break_glass'`)).toMatchObject({
            username: 'lena',
            plan_id: planId,
            reason: 'outage: the canary corrupts pages',
            params: expect.objectContaining({ planId, recipe: 'rollback_by_actor', requester: 'lena' }),
          });
        });
      },
      SCENARIO_MS,
    );

    it(
      'bad input: exit 2 with a sentence, and nothing written but its audit row',
      async () => {
        const base = await b.read(async (db) => ({
          audits: await audits(db),
          decisions: await count(db, 'console_approval_decision'),
          requests: await count(db, 'console_approval_request'),
        }));

        const unknown = await iu('lars', ['approve', '999999', '--reason', 'checked']);
        expect(unknown.code).toBe(2);
        expect(unknown.json).toMatchObject({ ok: false, status: 'not_found' });
        expect(unknown.json.message).toBe('There is no approval request #999999; check the number on /approvals.');

        const noReason = await iu('lars', ['reject', '1']);
        expect(noReason.code).toBe(2);
        expect(noReason.json).toMatchObject({ ok: false, status: 'invalid_input' });
        expect(noReason.stderr).toContain('Add --reason "<why>".');

        const huge = await iu('olga', ['requests', 'create', '--plan', '1', '--reason', 'x'.repeat(2001)]);
        expect(huge.code).toBe(2);
        expect(huge.json).toMatchObject({ ok: false, status: 'invalid_input' });
        expect(huge.json.message).toContain('The reason is at most 2000 characters.');

        // an unknown request to apply or re-check is refused by the wrapper: a sentence and its audit row
        const noSuch = await iu('olga', ['requests', 'apply', '999999', '--confirm', 'x', '--reason', 'go']);
        expect(noSuch.code).toBe(2);
        expect(noSuch.json.result).toMatchObject({ status: 'not_found', committed: false });
        expect(noSuch.json.result.message).toBe(
          'There is no approval request #999999; check the number on /approvals.',
        );
        expect(noSuch.stderr).toContain('Refused (not_found): There is no approval request #999999');
        const noSuchRecheck = await iu('lars', ['requests', 'recheck', '999999']);
        expect(noSuchRecheck.code).toBe(2);
        expect(noSuchRecheck.json).toMatchObject({ ok: false, status: 'not_found' });
        expect(noSuchRecheck.json.message).toBe(
          'There is no approval request #999999; check the number on /approvals.',
        );
        const notANumber = await iu('olga', ['requests', 'apply', 'twelve', '--confirm', 'x', '--reason', 'go']);
        expect(notANumber.code).toBe(2);
        expect(notANumber.json.result).toMatchObject({ status: 'invalid_input', committed: false });
        expect(notANumber.json.result.message).toContain('The request id must be a number such as 12.');

        const badStatus = await iu('olga', ['requests', '--status', 'done']);
        expect(badStatus.code).toBe(2);
        expect(badStatus.json).toMatchObject({ ok: false, status: 'invalid_input' });
        expect(badStatus.stderr).toContain('--status must be one of open, pending, approved, rejected, applied, stale');

        await b.read(async (db) => {
          // one audit row for each refusal (approve, reject, create, apply, recheck, apply of a bad id)
          expect(await audits(db)).toBe(base.audits + 6);
          expect(await count(db, 'console_approval_decision')).toBe(base.decisions);
          expect(await count(db, 'console_approval_request')).toBe(base.requests);
          const rows = await db.query<{ recipe: string; status: string; username: string; role: string }>(
            'SELECT recipe, status, username, role FROM console_audit_log ORDER BY id DESC LIMIT 6',
          );
          expect(rows.reverse()).toEqual([
            { recipe: 'approval_approved', status: 'not_found', username: 'lars', role: 'cli' },
            { recipe: 'approval_rejected', status: 'invalid_input', username: 'lars', role: 'cli' },
            { recipe: 'approval_requested', status: 'invalid_input', username: 'olga', role: 'cli' },
            { recipe: 'approval_apply', status: 'not_found', username: 'olga', role: 'cli' },
            { recipe: 'approval_recheck', status: 'not_found', username: 'lars', role: 'cli' },
            { recipe: 'approval_apply', status: 'invalid_input', username: 'olga', role: 'cli' },
          ]);
        });
      },
      SCENARIO_MS,
    );
  });
}

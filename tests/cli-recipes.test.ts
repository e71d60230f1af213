// The CLI's recipe commands as a person runs them: `npx tsx scripts/iu.ts … --json` on a
// throwaway PostgreSQL database. Each preview answers a plan and the exact command that applies
// it; that command (as printed) commits; an apply without a plan, a plan used twice, and a
// rollback plan that a new instance made stale are refused with nothing written; every attempt
// leaves exactly one audit row, role 'cli', naming its plan.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiateFromEvent } from '@/lib/recipes';
import { hasPostgres, PG_ONLY, useTestDatabase } from './helpers/db';
import { COMPOSER, count, makeTemplate, setGate, uniq, uuid, type Template } from './helpers/substrate';

const TSX = path.resolve('node_modules/.bin/tsx');
const USER = 'cli-olga';

interface Cli {
  code: number;
  json: Record<string, any>;
  stderr: string;
}

describe.skipIf(!hasPostgres)(
  `iu recipe commands: preview → plan → apply (${hasPostgres ? 'PostgreSQL' : PG_ONLY})`,
  () => {
    const t = useTestDatabase('postgres');
    let tpl: Template;
    /** Every CLI run, so the audit trail can be held against them: one row per attempt. */
    const attempts: { recipe: string; planId: number | null }[] = [];

    const iu = (args: string[], recipe: string): Promise<Cli> =>
      new Promise((resolve, reject) => {
        execFile(
          TSX,
          ['scripts/iu.ts', ...args],
          { env: { ...process.env, DATABASE_URL: t.url, IU_USER: USER, NODE_NO_WARNINGS: '1' }, timeout: 60_000 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
            try {
              const json = JSON.parse(stdout);
              attempts.push({ recipe, planId: json.plan?.id ?? json.planId ?? null });
              resolve({ code, json, stderr });
            } catch {
              reject(new Error(`iu ${args.join(' ')} exited ${code} without JSON:\n${stdout}\n${stderr}`));
            }
          },
        );
      });

    /** The apply command a preview printed, as its arguments (without "npm run iu --"). */
    const applyOf = (preview: Cli): string[] => {
      expect(preview.json.apply?.command).toMatch(/^npm run iu -- /);
      return preview.json.apply.args as string[];
    };
    const without = (args: string[], flag: string) => {
      const i = args.indexOf(flag);
      return i < 0 ? args : [...args.slice(0, i), ...args.slice(i + 2)];
    };
    const instances = (where = '') =>
      count(t.db, `iu_piece_collection WHERE instance_template_id IS NOT NULL ${where}`);

    beforeAll(async () => {
      tpl = await makeTemplate(t.db);
    });

    it('instantiate live: the dry run prints its plan and the apply with the generated event id; no plan is refused, the plan commits once', async () => {
      const suffix = uniq('cli');
      const preview = await iu(
        [
          '--json',
          'instantiate',
          '--event',
          'new',
          '--template',
          tpl.id,
          '--suffix',
          suffix,
          '--mode',
          'live',
          '--reason',
          'cli test',
        ],
        'instantiate_from_event',
      );
      expect(preview.code).toBe(0);
      expect(preview.json).toMatchObject({
        ok: true,
        committed: false,
        plan: { id: expect.any(Number), username: USER },
      });
      const key = preview.json.result.instanceCollectionKey as string;
      const apply = applyOf(preview);
      // the generated event id, not "new"; the typed key; the reason given to the preview
      expect(apply).toEqual([
        '--json',
        'instantiate',
        '--event',
        preview.json.eventId,
        '--template',
        tpl.id,
        '--suffix',
        suffix,
        '--mode',
        'live',
        '--commit',
        '--plan',
        String(preview.json.plan.id),
        '--confirm',
        key,
        '--reason',
        'cli test',
      ]);

      const before = await instances();
      const noPlan = await iu(without(apply, '--plan'), 'instantiate_from_event');
      expect(noPlan.code).toBe(2);
      expect(noPlan.json).toMatchObject({ ok: false, status: 'plan_required', committed: false });
      expect(noPlan.json.message).toMatch(/none was named/);
      expect(await instances()).toBe(before);

      const applied = await iu(apply, 'instantiate_from_event');
      expect(applied.code).toBe(0);
      expect(applied.json).toMatchObject({ ok: true, committed: true, plan: { id: preview.json.plan.id } });
      expect(await instances(`AND collection_key = '${key}'`)).toBe(1);

      const again = await iu(apply, 'instantiate_from_event');
      expect(again.code).toBe(2);
      expect(again.json).toMatchObject({ ok: false, status: 'plan_used', planId: preview.json.plan.id });
      expect(await instances()).toBe(before + 1);
    });

    it('bulk live: the preflight plan applies with the batch tag typed', async () => {
      const batch = uniq('w');
      const preview = await iu(
        [
          '--json',
          '--tag',
          'bulk-1',
          'bulk',
          '--template',
          tpl.id,
          '--n',
          '3',
          '--prefix',
          '25000d00-',
          '--batch',
          batch,
          '--no-progress',
          '--reason',
          'cli test',
        ],
        'bulk_scale_out',
      );
      expect(preview.code).toBe(0);
      expect(preview.json).toMatchObject({ ok: true, committed: false, result: { total: 3, counts: { ok: 3 } } });
      expect(preview.json.result.items).toHaveLength(3);
      const apply = applyOf(preview);
      expect(apply.slice(0, 3)).toEqual(['--json', '--tag', 'bulk-1']);
      expect(apply.slice(apply.indexOf('--confirm'), apply.indexOf('--confirm') + 2)).toEqual(['--confirm', batch]);
      const applied = await iu(apply, 'bulk_scale_out');
      expect(applied.code).toBe(0);
      expect(applied.json).toMatchObject({
        ok: true,
        committed: true,
        result: { total: 3, counts: { ok: 3 } },
        plan: { id: preview.json.plan.id },
      });
      expect(
        await count(t.db, `iu_auto_instantiate_event_log WHERE triggered_by = $1 AND status = 'ok'`, [
          `${USER}:bulk-1`,
        ]),
      ).toBe(3);
    });

    it('rollback-actor: a plan made stale by a new instance is refused with the sentence, and nothing is removed', async () => {
      const preview = await iu(['--json', 'rollback-actor', '--actor', USER], 'rollback_by_actor');
      expect(preview.code).toBe(0);
      expect(preview.json.result.instanceCount).toBe(1);
      const apply = applyOf(preview);
      expect(apply).toEqual([
        '--json',
        'rollback-actor',
        '--actor',
        USER,
        '--durable',
        '--plan',
        String(preview.json.plan.id),
        '--confirm',
        USER,
        '--reason',
        '…',
      ]);

      // meanwhile the same actor makes another instance
      const made = await instantiateFromEvent(
        { db: t.db, user: USER },
        {
          eventId: uuid(),
          eventType: 'template.published',
          templateCollectionId: tpl.id,
          uniqueSuffix: uniq('late'),
          emitMode: 'live',
          commit: true,
        },
      );
      expect(made.ok).toBe(true);
      const standing = await instances();
      const stale = await iu([...apply.slice(0, -1), 'cleanup after the test'], 'rollback_by_actor');
      expect(stale.code).toBe(2);
      expect(stale.json).toMatchObject({
        ok: false,
        status: 'plan_stale',
        committed: false,
        planId: preview.json.plan.id,
      });
      expect(stale.json.message).toBe(
        `1 more instance by ${USER} since your dry run (it listed 1); nothing was rolled back: dry run again.`,
      );
      expect(await instances()).toBe(standing);
    });

    it('compose: the preview plan applies with the new key typed', async () => {
      const file = path.join(os.tmpdir(), `${uniq('pieces')}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify([
          {
            role: 'intro',
            newPiece: { canonicalAddress: `iu_core/template/cli/${uniq('a')}/intro`, title: 'Intro', body: 'Why.' },
          },
        ]),
      );
      try {
        const family = uniq('clifam');
        const preview = await iu(
          ['--json', 'compose', '--family', family, '--title', 'CLI family', '--label', 'cli v1', '--pieces', file],
          'compose_template_version',
        );
        expect(preview.code).toBe(0);
        const key = preview.json.result.collectionKey as string;
        expect(key).toBe(`tpl:${family}/v1`);
        const apply = applyOf(preview);
        expect(apply.slice(apply.indexOf('--confirm'), apply.indexOf('--confirm') + 2)).toEqual(['--confirm', key]);
        const applied = await iu([...apply.slice(0, -1), 'a new family'], 'compose_template_version');
        expect(applied.code).toBe(0);
        expect(applied.json).toMatchObject({ ok: true, committed: true, result: { collectionKey: key } });
        expect(await count(t.db, 'iu_piece_collection WHERE collection_key = $1', [key])).toBe(1);
      } finally {
        fs.rmSync(file, { force: true });
      }
    });

    it('gates --close-all: the preview lists the open gate and its plan closes it', async () => {
      await setGate(t.db, COMPOSER, true);
      const preview = await iu(['--json', 'gates', '--close-all'], 'close_all_gates');
      expect(preview.code).toBe(0);
      expect(preview.json).toMatchObject({ ok: true, committed: false, open: [COMPOSER] });
      const apply = applyOf(preview);
      expect(apply).toEqual([
        '--json',
        'gates',
        '--close-all',
        '--plan',
        String(preview.json.plan.id),
        '--confirm',
        'close all gates',
        '--reason',
        '…',
      ]);
      const applied = await iu([...apply.slice(0, -1), 'a leaked gate'], 'close_all_gates');
      expect(applied.code).toBe(0);
      expect(applied.json).toMatchObject({ ok: true, committed: true, closed: [COMPOSER] });
      expect(await count(t.db, `dot_config WHERE key LIKE 'iu_core.%' AND value <> 'false'`)).toBe(0);
    });

    it('leaves exactly one audit row per attempt, role cli, naming its plan', async () => {
      const rows = await t.db.query<{
        username: string;
        role: string;
        recipe: string;
        plan_id: string | null;
        ip: string;
      }>('SELECT username, role, recipe, plan_id::text, ip FROM console_audit_log ORDER BY id');
      expect(rows.map((r) => ({ recipe: r.recipe, planId: r.plan_id === null ? null : Number(r.plan_id) }))).toEqual(
        attempts,
      );
      for (const r of rows) expect(r).toMatchObject({ username: USER, role: 'cli', ip: 'cli' });
    });
  },
);

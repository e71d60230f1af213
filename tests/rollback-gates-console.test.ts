// The server side of the rollback and gates pages on each backend: a result's link to its
// audit row (lookup by id), the dry run → typed durable rollback, migration 033's status with
// the runbook's command, and a gate leak closed by a lead.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrate } from '@/db/migrate';
import { definition as closeAllGatesDefinition } from '@/lib/recipes/close-all-gates/recipe';
import { definition as rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor/recipe';
import { getAuditRow, listAudit, parseAuditFilters } from '@/lib/auth/audit';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { listLeakedGates } from '@/lib/queries/overview';
import { getRollback033Status, ROLLBACK_033_COMMAND, ROLLBACK_033_FILE } from '@/lib/queries/rollback';
import { readGates } from '@/lib/recipes';
import { backends, useTestDatabase } from './helpers/db';
import {
  ALL_CLOSED,
  AUTO,
  COMPOSER,
  count,
  gateValues,
  instantiate,
  makeTemplate,
  uniq,
  uuid,
} from './helpers/substrate';

const who = (username: string, role: Role | null): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});

describe.each(backends())('rollback and gates pages, server side, on $name', (backend) => {
  const t = useTestDatabase(backend);
  const caller = (identity: Identity): Caller => ({
    db: t.db,
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const lead = who('lena', 'lead');

  describe('audit rows by id', () => {
    it('reads the id filter from the URL and ignores anything but a positive integer', () => {
      expect(parseAuditFilters(new URLSearchParams('id=42')).id).toBe(42);
      for (const bad of ['id=abc', 'id=-3', 'id=1.5', 'id=', ''])
        expect(parseAuditFilters(new URLSearchParams(bad)).id).toBeUndefined();
    });

    it('finds the audit row an action result names, and only that row', async () => {
      const r = await executeAuthorized(rollbackByActorDefinition, caller(lead), {
        targetActor: uniq('nobody'),
        durable: false,
      });
      expect(r.ok).toBe(true);
      expect(r.auditId).toEqual(expect.any(Number));
      // another row after it, so the lookup cannot be "the newest"
      await executeAuthorized(rollbackByActorDefinition, caller(lead), { targetActor: uniq('other'), durable: false });
      const row = await getAuditRow(t.db.orm, r.auditId!);
      expect(row).toMatchObject({
        id: r.auditId,
        username: 'lena',
        recipe: 'rollback_by_actor',
        mode: 'dry_run',
        decision: 'ok',
        committed: false,
      });
      expect(await listAudit(t.db.orm, { id: r.auditId! })).toHaveLength(1);
      expect(await getAuditRow(t.db.orm, 999_999_999)).toBeNull();
      expect(await getAuditRow(t.db.orm, 0)).toBeNull();
    });
  });

  describe('rollback by actor, as the page drives it', () => {
    it('dry-runs with the instances by template, then rolls back durably with the actor typed; the result links to a committed audit row', async () => {
      const a = await makeTemplate(t.db);
      const b = await makeTemplate(t.db);
      const actor = `${uniq('ana')}:canary-1`;
      const made: string[] = [];
      for (const [tpl, mode] of [
        [a, 'live'],
        [a, 'dry_run'],
        [b, 'live'],
      ] as const) {
        const r = await instantiate(t.db, { eventId: uuid(), templateId: tpl.id, mode, actor });
        expect(r.status).toBe('ok');
        made.push(String(r.instance_collection_id));
      }
      const standing = () => count(t.db, 'iu_piece_collection WHERE id = ANY($1::uuid[])', [made]);

      const dry = await executeAuthorized(rollbackByActorDefinition, caller(lead), {
        targetActor: actor,
        durable: false,
      });
      if (!dry.ok) throw new Error(dry.message);
      expect(dry.result.instanceCount).toBe(3);
      expect(dry.result.byTemplate).toEqual({ [a.key]: 2, [b.key]: 1 });
      expect(dry.result.instances.map((i) => i.instanceCollectionId).sort()).toEqual([...made].sort());
      expect(await standing()).toBe(3);

      // a wrong typed actor is refused with its sentence and removes nothing
      const planId = dry.plan?.id;
      const wrong = await executeAuthorized(rollbackByActorDefinition, caller(lead), {
        targetActor: actor,
        durable: true,
        planId,
        confirmText: 'ana',
        reason: 'canary went wrong',
      });
      expect(wrong).toMatchObject({ ok: false, status: 'confirmation_required' });
      expect(await standing()).toBe(3);

      const done = await executeAuthorized(rollbackByActorDefinition, caller(lead), {
        targetActor: actor,
        durable: true,
        planId,
        confirmText: actor,
        reason: 'canary went wrong',
      });
      if (!done.ok) throw new Error(done.message);
      expect(done).toMatchObject({ committed: true, result: { instanceCount: 3, rolledBackBy: 'lena' } });
      expect(await standing()).toBe(0);
      expect(await getAuditRow(t.db.orm, done.auditId!)).toMatchObject({
        recipe: 'rollback_by_actor',
        mode: 'durable',
        decision: 'ok',
        committed: true,
        reason: 'canary went wrong',
        summary: `rolled back 3 instance(s) of ${actor}`,
      });
    });
  });

  describe('migration 033 status for the substrate rollback panel', () => {
    it("shows the runbook's command word for word, naming a file that exists", async () => {
      const runbook = fs.readFileSync('tests/fixtures/runbook/OPERATOR_RUNBOOK_25000X_ADDENDUM.txt', 'utf8');
      const asInRunbook = ROLLBACK_033_COMMAND.split('\n')
        .map((l) => `-- ${l}`)
        .join('\n');
      expect(runbook).toContain(asInRunbook);
      expect(fs.existsSync(ROLLBACK_033_FILE)).toBe(true);
    });

    it('says 033 is applied on a migrated database, not applied after its rollback, and applied again after migrate', async () => {
      expect(await getRollback033Status(t.db)).toMatchObject({
        applied: true,
        appliedAt: expect.any(Date),
        drifted: false,
        archived: false,
        rollbackByActorAvailable: true,
        file: ROLLBACK_033_FILE,
        command: ROLLBACK_033_COMMAND,
      });
      // the rollback file as psql runs it: the forcing setting first, then the file (its psql-only \set line left out)
      const file = fs.readFileSync(ROLLBACK_033_FILE, 'utf8').replace(/^\\set .*$/m, '');
      await t.db.withSession((s) => s.exec(`SET iu_core.force_rollback_033=true;\n${file}`));
      expect(await getRollback033Status(t.db)).toMatchObject({
        applied: false,
        appliedAt: null,
        archived: true,
        rollbackByActorAvailable: false,
      });

      await migrate(t.db);
      expect(await getRollback033Status(t.db)).toMatchObject({
        applied: true,
        archived: false,
        rollbackByActorAvailable: true,
      });
    });
  });

  describe('a gate leak', () => {
    it('is listed while a gate is open in committed data; a lead closes it with a reason, others cannot', async () => {
      // what a psql session that committed without closing its gates leaves behind
      await t.db.query(`UPDATE dot_config SET value = 'true' WHERE key IN ($1, $2)`, [COMPOSER, AUTO]);
      expect(await listLeakedGates(t.db)).toEqual([COMPOSER, AUTO]);

      const denied = await executeAuthorized(closeAllGatesDefinition, caller(who('otto', 'operator')), {
        reason: 'I saw the banner',
      });
      expect(denied).toMatchObject({ ok: false, decision: 'denied' });
      const noReason = await executeAuthorized(closeAllGatesDefinition, caller(lead), { reason: '  ' });
      expect(noReason).toMatchObject({ ok: false, status: 'invalid_input' });
      expect(noReason.message).toContain('A reason is required');
      expect(await listLeakedGates(t.db)).toEqual([COMPOSER, AUTO]);

      const look = await executeAuthorized(closeAllGatesDefinition, caller(lead), { preview: true });
      expect(look).toMatchObject({ ok: true, committed: false, result: [AUTO, COMPOSER].sort() });
      const closed = await executeAuthorized(closeAllGatesDefinition, caller(lead), {
        reason: 'leak after a psql session',
        planId: look.ok ? look.plan?.id : 0,
        confirmText: 'close all gates',
      });
      if (!closed.ok) throw new Error(closed.message);
      expect(closed.result).toEqual([AUTO, COMPOSER].sort());
      expect(await listLeakedGates(t.db)).toEqual([]);
      expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
      expect((await readGates(t.db)).map((g) => [g.key, g.open])).toEqual([
        ['iu_core.composer_enabled', false],
        ['iu_core.auto_instantiate_enabled', false],
        ['iu_core.delivery_enabled', false],
        ['iu_core.retention_enabled', false],
      ]);
      expect(await getAuditRow(t.db.orm, closed.auditId!)).toMatchObject({
        recipe: 'close_all_gates',
        mode: 'admin',
        decision: 'ok',
        committed: true,
        reason: 'leak after a psql session',
      });
    });
  });
});

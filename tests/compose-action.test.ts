// The console's "new template version" action (lib/recipes/compose-template-version/recipe.ts) through the authorized
// wrapper, on each backend: a preview rolls back and records its preview key; a commit needs
// that preview and the new version's key typed; a commit registers v(n) after v(n-1) with the
// reused and new pieces; refusals write nothing but their audit row; every gate stays closed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { definition as composeTemplateVersionDefinition } from '@/lib/recipes/compose-template-version/recipe';
import { listAudit, auditParams } from '@/lib/auth/audit';
import { executeAuthorized, type Caller } from '@/lib/auth/authorize';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { getComposeBase, listComposeFamilies, macroOf } from '@/lib/queries/compose';
import { composeTemplateVersion, describeStatus, suggestAddress, type ComposeResult } from '@/lib/recipes';
import { backends, useTestDatabase } from './helpers/db';
import { ALL_CLOSED, count, gateValues, makeTemplate, snapshot, uniq, type Snapshot } from './helpers/substrate';

const who = (username: string, role: Role | null): Identity => ({
  userId: `id-${username}`,
  username,
  role,
  mustChangePassword: false,
  source: 'session',
});

/** Every table but the audit trail: equal snapshots mean the action wrote nothing else. */
/** Everything but the audit trail and the plans, which every attempt and preview adds to. */
const withoutAudit = (s: Snapshot) =>
  Object.fromEntries(Object.entries(s).filter(([t]) => t !== 'console_audit_log' && t !== 'console_plan'));

describe.each(backends())('the compose action on $name', (backend) => {
  const t = useTestDatabase(backend);
  // the database opens in beforeAll: read it when the action runs, not when the caller is made
  const caller = (identity: Identity | null): Caller => ({
    get db() {
      return t.db;
    },
    identity,
    request: { ip: '127.0.0.1', userAgent: 'vitest' },
  });
  const olga = caller(who('olga', 'operator'));
  const lastAudit = async () => (await listAudit(t.db.orm, { limit: 1 }))[0];
  const auditCount = () => count(t.db, 'console_audit_log');

  /** A family at v2 (v1 → v2), composed through the recipe as the runbook does. */
  async function familyAtV2() {
    const name = uniq('fam');
    const piece = (role: string, v: number) => ({
      role,
      newPiece: {
        canonicalAddress: suggestAddress('test', name, v, role),
        title: `${role} v${v}`,
        body: `The ${role} section, version ${v}.`,
      },
    });
    const ctx = { db: t.db, user: 'setup' };
    const v1 = await composeTemplateVersion(ctx, {
      family: name,
      title: 'Fam',
      label: 'Fam v1',
      pieces: [piece('title', 1), piece('context', 1), piece('risks', 1)],
      commit: true,
    });
    if (!v1.ok) throw new Error(v1.message);
    const ids = Object.fromEntries(v1.result.pieces.map((p) => [p.role, p.iuId]));
    const v2 = await composeTemplateVersion(ctx, {
      family: name,
      title: 'Fam',
      label: 'Fam v2',
      pieces: [{ role: 'title', iuId: ids.title }, piece('context', 2), { role: 'risks', iuId: ids.risks }],
      commit: true,
    });
    if (!v2.ok) throw new Error(v2.message);
    return { name, family: `tpl:${name}`, v1: v1.result, v2: v2.result };
  }

  /** The wizard's input for v3: keep title, replace context, drop risks, add open-questions. */
  const v3Input = (f: { name: string; v2: ComposeResult }, over: Record<string, unknown> = {}) => {
    const by = Object.fromEntries(f.v2.pieces.map((p) => [p.role, p.iuId]));
    return {
      family: f.name,
      kind: 'design_doc',
      title: 'Fam',
      label: 'Fam v3: open questions',
      note: 'asked for by the review board',
      previousCollectionId: f.v2.collectionId,
      pieces: [
        { role: 'title', iuId: by.title },
        {
          role: 'open-questions',
          newPiece: {
            canonicalAddress: suggestAddress('test', f.name, 3, 'open-questions'),
            title: 'Open questions',
            body: 'List the decisions still open.\nEach has an owner.',
          },
        },
        {
          role: 'context',
          newPiece: {
            canonicalAddress: suggestAddress('test', f.name, 3, 'context'),
            title: 'Context',
            body: 'The context, rewritten.',
          },
        },
      ],
      ...over,
    };
  };

  let before: Snapshot;
  let auditBefore: number;
  beforeEach(async () => {
    before = withoutAudit(await snapshot(t.db));
    auditBefore = await auditCount();
  });
  afterEach(async () => {
    // every iu_core gate is closed in committed data after each action, whatever it answered
    expect(await gateValues(t.db)).toEqual(ALL_CLOSED);
  });

  it('previews the whole recipe, rolls it back and stores its plan', async () => {
    const f = await familyAtV2();
    before = withoutAudit(await snapshot(t.db));
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, {
      ...v3Input(f),
      preview: true,
      actor: 'mallory',
    });
    expect(r).toMatchObject({ ok: true, committed: false, actor: 'olga' });
    if (!r.ok) return;
    expect(r.result).toMatchObject({
      family: f.family,
      collectionKey: `${f.family}/v3`,
      versionSeq: 3,
      previous: { collectionId: f.v2.collectionId, versionLabel: 'v2', registeredNow: false },
    });
    expect(r.result.pieces.map((p) => [p.role, p.reused])).toEqual([
      ['title', true],
      ['open-questions', false],
      ['context', false],
    ]);
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
    const a = await lastAudit();
    expect(a).toMatchObject({
      username: 'olga',
      recipe: 'compose_template_version',
      mode: 'preview',
      decision: 'ok',
      committed: false,
      actor: 'olga',
    });
    expect(a.planId).toBe(r.plan?.id);
    const [plan] = await t.db.query<{ username: string; effect: Record<string, unknown> }>(
      'SELECT username, effect FROM console_plan WHERE id = $1',
      [r.plan?.id],
    );
    expect(plan).toMatchObject({
      username: 'olga',
      effect: {
        collectionKey: `${f.family}/v3`,
        versionLabel: 'v3',
        previousCollectionId: f.v2.collectionId,
        previousVersionLabel: 'v2',
      },
    });
    // the pieces are kept as objects in the audit row, not flattened or dropped
    expect((a.params.pieces as unknown[])[1]).toMatchObject({
      role: 'open-questions',
      newPiece: { title: 'Open questions' },
    });
    expect(a.params).not.toHaveProperty('actor');
  });

  it('refuses a commit without its own plan, and one whose typed key is wrong, writing only audit rows', async () => {
    const f = await familyAtV2();
    before = withoutAudit(await snapshot(t.db));
    const commit = { ...v3Input(f), reason: 'board asked', confirmText: `${f.family}/v3` };
    const none = await executeAuthorized(composeTemplateVersionDefinition, olga, commit);
    expect(none).toMatchObject({ ok: false, decision: 'refused', status: 'plan_required' });
    expect(await lastAudit()).toMatchObject({
      mode: 'live',
      decision: 'refused',
      status: 'plan_required',
      committed: false,
    });

    // another person's plan does not count for olga
    const theirs = await executeAuthorized(composeTemplateVersionDefinition, caller(who('otto', 'operator')), {
      ...v3Input(f),
      preview: 'on',
    });
    expect(theirs).toMatchObject({ ok: true });
    expect(
      await executeAuthorized(composeTemplateVersionDefinition, olga, {
        ...commit,
        planId: theirs.ok ? theirs.plan?.id : 0,
      }),
    ).toMatchObject({ status: 'plan_required' });

    const mine = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...v3Input(f), preview: true });
    const planId = mine.ok ? mine.plan?.id : 0;
    for (const typed of [undefined, '', `${f.family}/v2`, `${f.family}/V3`, `${f.name}/v3`]) {
      const r = await executeAuthorized(composeTemplateVersionDefinition, olga, {
        ...commit,
        planId,
        confirmText: typed,
      });
      expect(r).toMatchObject({
        ok: false,
        status: 'confirmation_required',
        message: describeStatus('confirmation_required'),
      });
    }
    // her plan of other pieces does not count either
    const otherPieces = v3Input(f);
    otherPieces.pieces = otherPieces.pieces.slice(0, 2);
    expect(
      await executeAuthorized(composeTemplateVersionDefinition, olga, {
        ...otherPieces,
        planId,
        reason: 'x',
        confirmText: `${f.family}/v3`,
      }),
    ).toMatchObject({
      status: 'plan_required',
      message: expect.stringContaining('(pieces differ)'),
    });
    // and a commit needs a reason
    expect(
      await executeAuthorized(composeTemplateVersionDefinition, olga, { ...commit, planId, reason: ' ' }),
    ).toMatchObject({ ok: false, decision: 'invalid', issues: [{ field: 'reason' }] });
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
  });

  it('commits only the version its plan showed: one preview of v3 never makes v4', async () => {
    const f = await familyAtV2();
    const input = v3Input(f);
    const pre = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    const planId = pre.ok ? pre.plan?.id : 0;
    expect(
      await executeAuthorized(composeTemplateVersionDefinition, olga, {
        ...input,
        planId,
        reason: 'v3',
        confirmText: `${f.family}/v3`,
      }),
    ).toMatchObject({ ok: true, committed: true });
    before = withoutAudit(await snapshot(t.db));
    // the same request again (v4 would come next): the plan is used up
    const again = {
      ...input,
      previousCollectionId: undefined,
      planId,
      reason: 'v4 too',
      confirmText: `${f.family}/v4`,
    };
    expect(await executeAuthorized(composeTemplateVersionDefinition, olga, again)).toMatchObject({
      ok: false,
      status: 'plan_used',
    });
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
  });

  it('commits after a preview: v3 is registered after v2 with the reused and the new pieces', async () => {
    const f = await familyAtV2();
    const input = v3Input(f, { runTag: 'board-7' });
    const pre = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    expect(pre).toMatchObject({ ok: true, committed: false, plan: { id: expect.any(Number), username: 'olga' } });
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, {
      ...input,
      planId: pre.ok ? pre.plan?.id : 0,
      reason: 'board asked',
      confirmText: `${f.family}/v3`,
    });
    expect(r).toMatchObject({ ok: true, committed: true, actor: 'olga:board-7' });
    if (!r.ok) return;

    const [reg] = await t.db.query<{
      version_label: string;
      version_seq: number;
      previous_collection_id: string;
      registered_by: string;
      collection_key: string;
    }>(
      `SELECT v.version_label, v.version_seq, v.previous_collection_id, v.registered_by, c.collection_key
         FROM iu_template_version v JOIN iu_piece_collection c ON c.id = v.collection_id WHERE v.collection_id = $1`,
      [r.result.collectionId],
    );
    expect(reg).toMatchObject({
      version_label: 'v3',
      version_seq: 3,
      previous_collection_id: f.v2.collectionId,
      registered_by: 'olga:board-7',
      collection_key: `${f.family}/v3`,
    });
    const members = await t.db.query<{
      role: string;
      iu_id: string;
      created_by: string;
      body: string;
      canonical_address: string;
    }>(
      `SELECT m.role, m.iu_id, u.created_by, u.body, u.canonical_address FROM iu_piece_collection_member m
         JOIN information_unit u ON u.id = m.iu_id WHERE m.collection_id = $1 ORDER BY m.position`,
      [r.result.collectionId],
    );
    const v2title = f.v2.pieces.find((p) => p.role === 'title')!.iuId;
    expect(members.map((m) => m.role)).toEqual(['title', 'open-questions', 'context']);
    expect(members[0]).toMatchObject({ iu_id: v2title, created_by: 'setup' });
    expect(members[1]).toMatchObject({
      created_by: 'olga:board-7',
      body: 'List the decisions still open.\nEach has an owner.',
      canonical_address: suggestAddress('test', f.name, 3, 'open-questions'),
    });
    expect(r.result.newPieceIds.sort()).toEqual([members[1].iu_id, members[2].iu_id].sort());

    const a = await lastAudit();
    expect(a).toMatchObject({
      recipe: 'compose_template_version',
      mode: 'live',
      decision: 'ok',
      committed: true,
      actor: 'olga:board-7',
      reason: 'board asked',
      planId: pre.ok ? pre.plan?.id : -1,
    });
    expect(a.summary).toContain(`${f.family}/v3 (v2 → v3): 2 new, 1 reused`);
    // the wizard now starts from v3
    const base = await getComposeBase(t.db, f.family);
    expect(base).toMatchObject({
      latestLabel: 'v3',
      latestSeq: 3,
      latestCollectionId: r.result.collectionId,
      macro: 'test',
    });
    expect(base!.pieces.map((p) => p.role)).toEqual(['title', 'open-questions', 'context']);
  });

  it('refuses a commit when the chain moved on since the preview, and writes nothing', async () => {
    const f = await familyAtV2();
    const input = v3Input(f);
    const mine = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    // someone else registers v3 in the meantime
    const otto = caller(who('otto', 'operator'));
    const theirs = v3Input(f, { pieces: [input.pieces[0]] });
    const their = await executeAuthorized(composeTemplateVersionDefinition, otto, { ...theirs, preview: true });
    expect(
      await executeAuthorized(composeTemplateVersionDefinition, otto, {
        ...theirs,
        planId: their.ok ? their.plan?.id : 0,
        reason: 'mine first',
        confirmText: `${f.family}/v3`,
      }),
    ).toMatchObject({ ok: true, committed: true });
    before = withoutAudit(await snapshot(t.db));
    // the key olga was shown still confirms, and the recipe's own refusal explains
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, {
      ...input,
      planId: mine.ok ? mine.plan?.id : 0,
      reason: 'board asked',
      confirmText: `${f.family}/v3`,
    });
    expect(r).toMatchObject({ ok: false, decision: 'refused', status: 'previous_version_mismatch', committed: false });
    expect(r.message).toContain(`${f.family} is already at v3`);
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
  });

  it('refuses a new piece whose canonical address is taken, naming the piece, and writes nothing', async () => {
    const f = await familyAtV2();
    before = withoutAudit(await snapshot(t.db));
    const input = v3Input(f);
    const taken = f.v2.pieces.find((p) => p.role === 'context')!.canonicalAddress;
    input.pieces[2] = { role: 'context', newPiece: { canonicalAddress: taken, title: 'Context', body: 'again' } };
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    expect(r).toMatchObject({
      ok: false,
      decision: 'refused',
      status: 'canonical_address_collision',
      message: describeStatus('canonical_address_collision'),
    });
    expect(r.ok ? [] : r.issues).toEqual([
      { field: 'pieces.2.newPiece.canonicalAddress', message: expect.stringContaining(taken) },
    ]);
    expect(await lastAudit()).toMatchObject({
      decision: 'refused',
      status: 'canonical_address_collision',
      planId: null,
    });
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
    expect(await auditCount()).toBe(auditBefore + 1);
  });

  it('refuses bad input with a message per field path and runs nothing', async () => {
    const f = await familyAtV2();
    before = withoutAudit(await snapshot(t.db));
    const input = v3Input(f, { title: ' ' });
    input.pieces[1] = { role: 'title', newPiece: { canonicalAddress: 'has a space', title: '', body: '' } };
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    expect(r).toMatchObject({ ok: false, decision: 'invalid', status: 'invalid_input' });
    const fields = r.ok ? [] : (r.issues ?? []).map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'title',
        'pieces.1.newPiece.canonicalAddress',
        'pieces.1.newPiece.title',
        'pieces.1.newPiece.body',
        'pieces.1.role',
      ]),
    );
    expect(r.ok ? [] : r.issues!.find((i) => i.field === 'pieces.1.role')!.message).toMatch(/used twice/);
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
    expect(await lastAudit()).toMatchObject({ decision: 'invalid', mode: 'preview' });
  });

  it('denies a viewer, and records the denial', async () => {
    const f = await familyAtV2();
    before = withoutAudit(await snapshot(t.db));
    const r = await executeAuthorized(composeTemplateVersionDefinition, caller(who('vera', 'viewer')), {
      ...v3Input(f),
      preview: true,
    });
    expect(r).toMatchObject({ ok: false, decision: 'denied' });
    expect(await lastAudit()).toMatchObject({
      username: 'vera',
      decision: 'denied',
      mode: 'preview',
      recipe: 'compose_template_version',
    });
    expect(withoutAudit(await snapshot(t.db))).toEqual(before);
  });

  it('composes v2 after an unregistered v1, registering v1 in the same commit', async () => {
    const tpl = await makeTemplate(t.db, { key: `tpl:${uniq('old')}/v1`, pieces: 2 });
    const family = tpl.key.split('/')[0];
    const listed = (await listComposeFamilies(t.db)).find((x) => x.family === family);
    expect(listed).toMatchObject({ registered: false, latestLabel: 'v1', latestCollectionId: tpl.id });
    const base = await getComposeBase(t.db, family);
    expect(base!.pieces.map((p) => p.iuId)).toEqual(tpl.pieceIds);
    const input = {
      family,
      title: 'Old family',
      label: 'Old v2',
      previousCollectionId: tpl.id,
      pieces: [{ role: tpl.roles[0], iuId: tpl.pieceIds[0] }],
    };
    const p = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    expect(p).toMatchObject({
      ok: true,
      result: { collectionKey: `${family}/v2`, previous: { versionLabel: 'v1', registeredNow: true } },
    });
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, {
      ...input,
      planId: p.ok ? p.plan?.id : 0,
      reason: 'adopt the old v1',
      confirmText: `${family}/v2`,
    });
    expect(r).toMatchObject({ ok: true, committed: true });
    const chain = await t.db.query<{ version_label: string; previous_collection_id: string | null }>(
      `SELECT version_label, previous_collection_id FROM iu_template_version WHERE template_family = $1 ORDER BY version_seq`,
      [family],
    );
    expect(chain).toEqual([
      { version_label: 'v1', previous_collection_id: null },
      { version_label: 'v2', previous_collection_id: tpl.id },
    ]);
  });

  it('composes v1 of a new family, with no previous version', async () => {
    const name = uniq('newfam');
    const input = {
      family: `tpl:${name}`,
      title: 'New family',
      label: 'New family v1',
      pieces: [
        {
          role: 'intro',
          newPiece: {
            canonicalAddress: suggestAddress('doc', name, 1, 'intro'),
            title: 'Intro',
            body: 'Say what this is for.',
          },
        },
      ],
    };
    const p = await executeAuthorized(composeTemplateVersionDefinition, olga, { ...input, preview: true });
    expect(p).toMatchObject({
      ok: true,
      committed: false,
      result: { collectionKey: `tpl:${name}/v1`, versionSeq: 1, previous: null },
    });
    const r = await executeAuthorized(composeTemplateVersionDefinition, olga, {
      ...input,
      planId: p.ok ? p.plan?.id : 0,
      reason: 'a new template',
      confirmText: `tpl:${name}/v1`,
    });
    expect(r).toMatchObject({ ok: true, committed: true });
    expect(await getComposeBase(t.db, name)).toMatchObject({
      family: `tpl:${name}`,
      latestLabel: 'v1',
      registered: true,
      macro: 'doc',
      pieces: [{ role: 'intro', title: 'Intro' }],
    });
  });

  it('reads the macro of the runbook convention from addresses, and keeps nested audit params bounded', () => {
    expect(
      macroOf(['iu_core/template/design/x-v1/a', 'iu_core/template/design/x-v1/b', 'iu_core/template/ops/x-v1/c']),
    ).toBe('design');
    expect(macroOf(['somewhere/else'])).toBe('doc');
    const long = 'x'.repeat(2000);
    const kept = auditParams({ pieces: [{ role: 'a', newPiece: { body: long, password: 'p' } }], apiToken: 't' });
    expect(kept).toEqual({ pieces: [{ role: 'a', newPiece: { body: `${'x'.repeat(500)}…` } }] });
  });
});

describe('suggestAddress', () => {
  it('follows iu_core/template/<macro>/<family>-v<n>/<piece-name>, with or without tpl:', () => {
    expect(suggestAddress('design', 'design-review', 4, 'Open questions')).toBe(
      'iu_core/template/design/design-review-v4/open-questions',
    );
    expect(suggestAddress('design', 'tpl:design-review', 4, 'risks')).toBe(
      'iu_core/template/design/design-review-v4/risks',
    );
    expect(suggestAddress('', 'fam', 1, '')).toBe('iu_core/template/doc/fam-v1/piece');
  });
});

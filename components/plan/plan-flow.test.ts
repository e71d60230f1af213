// The plan flow's "this form still matches its plan" rule: held against the server's own
// preview key for every recipe (same parameters here exactly when the server would accept the
// plan), and the sentences the confirm button gives when it is not offered.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { previewKey } from '@/lib/auth/plans';
import { bulkActionInput, definition as bulkScaleOutDefinition } from '@/lib/recipes/bulk-scale-out/recipe';
import { definition as closeAllGatesDefinition, closeGatesActionInput } from '@/lib/recipes/close-all-gates/recipe';
import {
  composeActionInput,
  definition as composeTemplateVersionDefinition,
} from '@/lib/recipes/compose-template-version/recipe';
import {
  instantiateActionInput,
  definition as instantiateFromEventDefinition,
} from '@/lib/recipes/instantiate-from-event/recipe';
import { rollbackActionInput, definition as rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor/recipe';
import { canonicalJson, changedParams, checkPlan, dropsPlan, refusedBeforeRun, type Planned } from './plan-flow';
import {
  bulkPlanParams,
  closeGatesPlanParams,
  composePlanParams,
  instantiatePlanParams,
  rollbackPlanParams,
  type FormParams,
} from './plan-params';

type Def = {
  name: string;
  input: { safeParse: (v: unknown) => { success: boolean; data?: unknown } };
  plan?: { params: (v: never) => Record<string, unknown> };
};

/** The server's key for a preview of this input, or null when the server refuses the input. */
function serverKey(def: Def, input: Record<string, unknown>): string | null {
  const parsed = def.input.safeParse({ ...input, preview: true });
  if (!parsed.success) return null;
  return previewKey('olga', def.name, def.plan!.params(parsed.data as never));
}

function clientKey(mirror: (v: Record<string, unknown>) => FormParams, input: Record<string, unknown>): string | null {
  const p = mirror(input);
  return p.valid ? canonicalJson(p.params) : null;
}

/** Every pair of variants: equal here exactly when equal there, and valid here exactly when valid there. */
function holdsTogether(
  def: Def,
  mirror: (v: Record<string, unknown>) => FormParams,
  base: Record<string, unknown>,
  variants: Record<string, unknown>[],
) {
  const inputs = variants.map((v) => ({ ...base, ...v }));
  for (const a of inputs) {
    expect(clientKey(mirror, a) === null, `valid: ${JSON.stringify(a)}`).toBe(serverKey(def, a) === null);
    for (const b of inputs) {
      const sa = serverKey(def, a);
      const sb = serverKey(def, b);
      if (sa === null || sb === null) continue;
      expect(clientKey(mirror, a) === clientKey(mirror, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        sa === sb,
      );
    }
  }
}

const tpl = randomUUID();
const event = randomUUID();

describe('the client rule matches the server plan key', () => {
  it('treats two instantiate forms as the same parameters exactly when the server does', () => {
    holdsTogether(
      instantiateFromEventDefinition as unknown as Def,
      instantiatePlanParams,
      {
        eventId: event,
        eventType: 'template.published',
        templateCollectionId: tpl,
        uniqueSuffix: 'ev-1',
        note: 'n',
        runTag: 'tag',
        emitMode: 'dry_run',
      },
      [
        {},
        { eventId: event.toUpperCase() },
        { eventId: ` ${event} ` },
        { templateCollectionId: tpl.toUpperCase() },
        { uniqueSuffix: ' ev-1 ' },
        { uniqueSuffix: 'ev-2' },
        { note: ' n ' },
        { note: '' },
        { note: undefined },
        { runTag: '' },
        { runTag: ' tag ' },
        { runTag: 'other' },
        { eventType: ' template.published ' },
        { eventType: 'template.updated' },
        { eventId: 'not-a-uuid' },
        { uniqueSuffix: '' },
      ],
    );
  });

  it('treats two bulk forms as the same batch exactly when the server does', () => {
    holdsTogether(
      bulkScaleOutDefinition as unknown as Def,
      bulkPlanParams,
      {
        templateCollectionId: tpl,
        n: 100,
        uuidPrefix: '25000b00-',
        batchTag: 'wave-1',
        emitMode: 'live',
        runTag: 'r',
        note: '',
      },
      [
        {},
        { n: '100' },
        { n: ' 100 ' },
        { n: 101 },
        { uuidPrefix: '25000B00-' },
        { uuidPrefix: '25000b00-0000-4000-8000-' },
        { uuidPrefix: '25000b01-' },
        { uuidPrefix: '25000bk0-' },
        { batchTag: ' wave-1 ' },
        { batchTag: 'wave-2' },
        { emitMode: 'dry_run' },
        { runTag: '' },
        { note: 'why' },
        { note: '  ' },
        { templateCollectionId: tpl.toUpperCase() },
        { n: 0 },
      ],
    );
  });

  it('treats two rollback forms as the same actor exactly when the server does', () => {
    holdsTogether(rollbackByActorDefinition as unknown as Def, rollbackPlanParams, { targetActor: 'alice:canary-3' }, [
      {},
      { targetActor: ' alice:canary-3 ' },
      { targetActor: 'alice' },
      { targetActor: 'Alice:canary-3' },
      { targetActor: '' },
    ]);
  });

  it('treats two compose forms as the same version exactly when the server does', () => {
    const piece = {
      role: 'summary',
      newPiece: { canonicalAddress: 'iu_core/template/doc/x-v1/summary', title: 'Summary', body: 'Say it.' },
    };
    const reused = { role: 'risks', iuId: tpl };
    holdsTogether(
      composeTemplateVersionDefinition as unknown as Def,
      composePlanParams,
      {
        family: 'tpl:x',
        kind: 'design_doc',
        title: 'X',
        description: '',
        label: 'X v1',
        note: '',
        runTag: '',
        pieces: [piece, reused],
      },
      [
        {},
        { family: 'x' },
        { family: ' tpl:x ' },
        { title: ' X ' },
        { title: 'Y' },
        { note: 'why' },
        { description: '  ' },
        { runTag: 'canary' },
        { pieces: [reused, piece] },
        { pieces: [piece, { ...reused, iuId: tpl.toUpperCase() }] },
        { pieces: [piece, { ...reused, iuId: randomUUID() }] },
        { pieces: [{ ...piece, newPiece: { ...piece.newPiece, body: 'Say it again.' } }, reused] },
        {
          pieces: [
            { ...piece, newPiece: { ...piece.newPiece, unitKind: 'design_doc_section', sectionType: 'section' } },
            reused,
          ],
        },
        { pieces: [] },
        { kind: undefined },
      ],
    );
  });

  it('has one plan for closing the gates, whatever the form sends', () => {
    expect(serverKey(closeAllGatesDefinition as unknown as Def, {})).toBe(
      serverKey(closeAllGatesDefinition as unknown as Def, { reason: 'x' }),
    );
    expect(closeGatesPlanParams()).toEqual({ params: {}, valid: true });
    expect(closeGatesActionInput.safeParse({ preview: true }).success).toBe(true);
  });

  it('uses the input schemas the server parses with (so a mirror cannot drift unseen)', () => {
    expect(instantiateFromEventDefinition.input).toBe(instantiateActionInput);
    expect(bulkScaleOutDefinition.input).toBe(bulkActionInput);
    expect(rollbackByActorDefinition.input).toBe(rollbackActionInput);
    expect(composeTemplateVersionDefinition.input).toBe(composeActionInput);
  });
});

describe('whether a form still matches its plan', () => {
  const words = { preview: 'dry run', labels: { uniqueSuffix: 'Unique suffix', note: 'Note' } };
  const params = (over: Record<string, unknown> = {}) =>
    instantiatePlanParams({
      eventId: event,
      eventType: 'template.published',
      templateCollectionId: tpl,
      uniqueSuffix: 'ev-1',
      emitMode: 'dry_run',
      ...over,
    });
  const planned = (
    p: FormParams,
    plan: Planned['plan'] = { id: 12, username: 'olga', createdAt: new Date().toISOString() },
  ): Planned => ({
    key: canonicalJson(p.params),
    params: p.params,
    plan,
    preview: null,
  });

  it('offers the apply while the form holds the previewed values, however they are spaced or cased', () => {
    const p = planned(params());
    expect(checkPlan(p, params(), null, words)).toEqual({ ready: true, changed: [], why: null });
    expect(checkPlan(p, params({ uniqueSuffix: ' ev-1 ', eventId: event.toUpperCase() }), null, words).ready).toBe(
      true,
    );
  });

  it('takes the apply away after an edit and names the fields that changed', () => {
    const check = checkPlan(planned(params()), params({ uniqueSuffix: 'ev-2', note: 'later' }), null, words);
    expect(check.ready).toBe(false);
    expect(check.changed).toEqual(['Note', 'Unique suffix']);
    expect(check.why).toBe(
      'Changed since the dry run: Note, Unique suffix. Run the dry run again for a plan of these values.',
    );
  });

  it('gives the apply back when the edit is undone', () => {
    const p = planned(params());
    expect(checkPlan(p, params({ uniqueSuffix: 'ev-2' }), null, words).ready).toBe(false);
    expect(checkPlan(p, params({ uniqueSuffix: 'ev-1' }), null, words).ready).toBe(true);
  });

  it('never matches input the server would refuse, and still names the field', () => {
    const check = checkPlan(planned(params()), params({ uniqueSuffix: 'ev 1!' }), null, words);
    expect(check.ready).toBe(false);
    expect(check.changed).toEqual(['Unique suffix']);
  });

  it('asks for a new preview once a refusal dropped the plan, naming the plan and the refusal', () => {
    const check = checkPlan(null, params(), { kind: 'refused', status: 'plan_stale', message: 'x', planId: 12 }, words);
    expect(check.ready).toBe(false);
    expect(check.why).toBe(
      'Plan #12 can no longer be applied (plan_stale: what it would do changed since); run the dry run again for a new plan.',
    );
    expect(checkPlan(null, params(), { kind: 'used', planId: 12 }, words).why).toBe(
      'That run used up its plan (a plan runs once); run the dry run again first.',
    );
    expect(checkPlan(null, params(), null, words).why).toBe(
      'Run the dry run first: this step applies the plan it makes.',
    );
  });

  it('does not offer a preview that made no plan', () => {
    expect(checkPlan(planned(params(), null), params(), null, words).ready).toBe(false);
  });

  it('says how to get a new plan in the words of the step', () => {
    const gates = { preview: 'preview', again: 'close this dialog and open it again' };
    expect(
      checkPlan(null, closeGatesPlanParams(), { kind: 'refused', status: 'plan_used', message: 'x', planId: 3 }, gates)
        .why,
    ).toBe(
      'Plan #3 can no longer be applied (plan_used: it was already applied); close this dialog and open it again for a new plan.',
    );
  });
});

describe('what a refusal does to the plan', () => {
  it('drops the plan on plan_stale, plan_used, plan_expired and plan_required, and keeps it otherwise', () => {
    for (const s of ['plan_stale', 'plan_used', 'plan_expired', 'plan_required']) expect(dropsPlan(s), s).toBe(true);
    for (const s of ['confirmation_required', 'busy', 'instance_collection_key_collision', 'ok'])
      expect(dropsPlan(s), s).toBe(false);
  });

  it('treats wrapper refusals and plan refusals as refused before anything ran', () => {
    const r = (decision: string, status: string, ok = false) => ({ ok, decision, status });
    expect(refusedBeforeRun(r('refused', 'plan_stale'))).toBe(true);
    expect(refusedBeforeRun(r('refused', 'confirmation_required'))).toBe(true);
    expect(refusedBeforeRun(r('denied', 'denied'))).toBe(true);
    expect(refusedBeforeRun(r('invalid', 'invalid_input'))).toBe(true);
    expect(refusedBeforeRun(r('refused', 'instance_collection_key_collision'))).toBe(false);
    expect(refusedBeforeRun(r('ok', 'ok', true))).toBe(false);
  });

  it('compares parameters field by field the way the server names them', () => {
    expect(changedParams({ a: 1, b: null, c: [1, 2] }, { a: 1, c: [2, 1] })).toEqual(['c']);
    expect(changedParams({ a: undefined }, {})).toEqual([]);
  });
});

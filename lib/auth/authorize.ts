// The one wrapper every console mutation goes through, in this order: session → role →
// zod parse → reason → plan (an apply names its own unused, unexpired plan) → recipe (the
// apply's effect must equal the plan's, checked in its transaction) → audit row. The actor's user part is the session's user name; a form
// can only add a validated run tag. A committed run's audit row is written inside the
// recipe's transaction (beforeFinish), so the run and its record exist together or not at
// all; anything that rolled back (previews, dry runs, refusals, errors), and every denied or
// invalid attempt, is recorded in a write of its own that survives.
import { z } from 'zod';
import type { Database } from '@/db/client';
import { describeStatus } from '@/lib/recipes/messages';
import type { FieldIssue, RecipeContext, RecipeResult, Refusal, Success, Tx } from '@/lib/recipes/types';
import { auditParams, writeAudit, type AuditDecision, type AuditMode } from './audit';
import { logError, redactText } from '@/lib/log/redact';
import { screenInput } from './input-guard';
import {
  checkPlan,
  claimPlan,
  createPlan,
  parsePlanId,
  planView,
  type Effect,
  type Plan,
  type PlanView,
} from './plans';
import type { Identity, RequestInfo } from './identity';
import { hasRole, type Role, ROLE_DESCRIPTIONS } from './roles';
import { describeVia, tokenDenial } from './api-tokens';

export interface ActionDefinition<S extends z.ZodType<Record<string, unknown>>, T> {
  /** The recipe (or admin operation) name recorded in the audit trail. */
  name: string;
  /** The lowest role allowed. */
  role: Role;
  input: S;
  /** preview / dry_run / live / durable / admin; called on the parsed input, or on the raw one for denied and invalid attempts. */
  mode: (input: Record<string, unknown>) => AuditMode;
  /** Whether this input needs a reason (live runs, durable rollbacks, gate closing, user admin). */
  reasonRequired?: (input: z.output<S>) => boolean;
  run: (ctx: RecipeContext, input: z.output<S>) => Promise<RecipeResult<T>>;
  /** One line for the audit's summary column. */
  summarize?: (outcome: RecipeResult<T>) => string;
  /**
   * For a recipe whose preview is a plan: the preview stores its effect, and the step that
   * writes for real (live, durable, a kept dry run) applies exactly that plan.
   */
  plan?: PlanRule<z.output<S>, T>;
}

/** A recipe folder's action: the definition less what the catalog derives (name, role). */
export type RecipeAction<S extends z.ZodType<Record<string, unknown>>, T> = Omit<
  ActionDefinition<S, T>,
  'name' | 'role'
>;

export interface PlanRule<V, T> {
  /** True for the apply (live, durable, kept) form of this input; false for the preview that makes a plan. */
  applies: (input: V) => boolean;
  /** The parameters a preview and its apply share (mode fields, reason and typed text left out). */
  params: (input: V) => Record<string, unknown>;
  /** The effect a successful preview showed: what its apply must do, no more and no less. */
  effect: (outcome: Success<T>, input: V) => Effect;
  /**
   * Null when the apply's outcome (the recipe's own result, inside its transaction, just
   * before commit) does what the plan showed; otherwise a sentence that says what changed.
   */
  drift: (planned: Effect, outcome: RecipeResult<unknown>, input: V) => string | null;
  /** The exact text the person types to confirm (an instance key, batch tag, actor); null for none. */
  typed?: (input: V, planned: Effect) => string | null;
}

export type ActionResult<T> =
  | {
      ok: true;
      decision: 'ok';
      status: string;
      committed: boolean;
      message: string;
      result: T;
      actor: string;
      auditId: number | null;
      /** The plan a successful preview made (apply it by its id), or the plan an apply ran. */
      plan?: PlanView;
    }
  | {
      ok: false;
      decision: Exclude<AuditDecision, 'ok'>;
      status: string;
      message: string;
      committed: boolean;
      issues?: FieldIssue[];
      actor?: string;
      auditId: number | null;
      /** The plan an apply named, when it was refused (plan_stale, plan_used, …). */
      planId?: number;
    };

export interface Caller {
  db: Database;
  identity: Identity | null;
  request: RequestInfo;
  /** The role written to the audit row when it is not the identity's (the CLI records 'cli'). */
  auditRole?: string;
}

/** Fields every action accepts: a reason, and a run tag (validated) that follows the user name. */
export const reasonField = z
  .string()
  .max(2000, 'The reason is at most 2000 characters.')
  .optional()
  .transform((s) => (s && s.trim() ? s.trim() : undefined));

/**
 * What a route hands the wrapper when the request body could not be read as JSON: the attempt
 * is still refused by the wrapper, with its sentence and its audit row, like any bad input.
 */
export class UnreadableBody {
  constructor(readonly why: string) {}
}

/** FormData (from a form, with React's own $ACTION fields dropped) or an object, as a plain object. */
export function toPlainInput(raw: unknown): Record<string, unknown> {
  if (raw && typeof (raw as FormData).entries === 'function' && typeof (raw as FormData).getAll === 'function') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of (raw as FormData).entries()) {
      if (k.startsWith('$ACTION')) continue;
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return { ...(raw as Record<string, unknown>) };
  return {};
}

export { previewKey } from './plans';

const ERROR_MESSAGE =
  'Something went wrong and nothing was written; the attempt is in the audit trail. Try again, or ask a lead to look at the server log.';

/** The fields an apply adds to a recipe's input: the plan it applies and the typed confirmation. */
export interface ApplyFields {
  planId?: number | string;
  confirmText?: string;
}

/** What a call site hands an action: the definition's input (plus an apply's fields), or a form. */
export type ActionInput<S extends z.ZodType<Record<string, unknown>>> = (z.input<S> & ApplyFields) | FormData;

type AuditEntry = Omit<
  Parameters<typeof writeAudit>[1],
  'startedAt' | 'username' | 'role' | 'recipe' | 'ip' | 'userAgent'
>;
type AuditWriter = (e: AuditEntry, on?: Parameters<typeof writeAudit>[0]) => Promise<number | null>;

/** Step: one audit writer for this attempt, with who, what and from where filled in. */
function auditWriter(def: { name: string }, caller: Caller, who: Identity, startedAt: Date): AuditWriter {
  const base = {
    startedAt,
    username: who.username,
    role: caller.auditRole ?? who.role,
    recipe: def.name,
    ip: caller.request.ip,
    userAgent: caller.request.userAgent,
    via: who.via ? describeVia(who.via) : null,
  };
  return (e, on = caller.db.orm) => writeAudit(on, { ...base, ...e });
}

/** The mode of an input for the audit row; a mode rule that cannot read a bad input says preview. */
function modeOf(def: { mode: (v: Record<string, unknown>) => AuditMode }, v: Record<string, unknown>): AuditMode {
  try {
    return def.mode(v);
  } catch {
    return 'preview';
  }
}

/** Step: the role check (and the one-time password that must be changed first); a sentence when denied. */
function denial(def: { name: string; role: Role }, who: Identity): string | null {
  const byToken = tokenDenial(def, who);
  if (byToken) return byToken;
  if (who.mustChangePassword)
    return 'You signed in with a one-time password; choose your own password first (/account/password). Nothing was run.';
  if (hasRole(who.role, def.role)) return null;
  return who.role
    ? `Your role (${who.role}) cannot do this; it needs ${def.role} (${ROLE_DESCRIPTIONS[def.role]}). Nothing was run.`
    : 'You have no role yet, so you cannot do anything here; ask a lead to give you one.';
}

/** Step: parse (hostile characters first, then the schema) and the reason rule; the issues when refused. */
function parseInput<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
  raw: unknown,
  input: Record<string, unknown>,
):
  | { data: z.output<S> & { reason?: string; runTag?: string } }
  | { issues: FieldIssue[]; parsed: Record<string, unknown> | null } {
  if (raw instanceof UnreadableBody) {
    return {
      issues: [
        {
          field: 'input',
          message: `The request body is not a JSON object (${raw.why}); send one with Content-Type: application/json.`,
        },
      ],
      parsed: null,
    };
  }
  const parsed = screenInput(input) ?? def.input.safeParse(input);
  if (!parsed.success)
    return {
      issues: parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message })),
      parsed: null,
    };
  const data = parsed.data as z.output<S> & { reason?: string; runTag?: string };
  if (def.reasonRequired?.(data) && !data.reason) {
    return {
      issues: [{ field: 'reason', message: 'A reason is required for this; say why you are doing it.' }],
      parsed: data,
    };
  }
  return { data };
}

/** The one-line summary of an outcome for the audit row; a summarizer that throws falls back to the status. */
function summaryOf<T>(def: { summarize?: (o: RecipeResult<T>) => string }, o: RecipeResult<T>): string {
  try {
    return def.summarize?.(o) ?? (o.ok ? o.status : `${o.status}: ${o.message}`);
  } catch {
    return o.status;
  }
}

/**
 * Runs one authorized action for `caller`; every path but "signed out" leaves exactly one
 * audit row. The steps: identify → role → parse and reason → plan → run in the recipe's
 * transaction (plan claimed and effect compared there) → audit.
 */
export async function executeAuthorized<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
  caller: Caller,
  raw: unknown,
): Promise<ActionResult<T>> {
  const startedAt = new Date();
  const input = toPlainInput(raw);
  const who = caller.identity;
  if (!who) {
    return {
      ok: false,
      decision: 'unauthenticated',
      status: 'unauthenticated',
      committed: false,
      message: 'You are signed out; sign in and try again.',
      auditId: null,
    };
  }
  const record = auditWriter(def, caller, who, startedAt);
  const rawReason = typeof input.reason === 'string' && input.reason.trim() ? input.reason.trim().slice(0, 2000) : null;
  const early = { actor: null, reason: rawReason, committed: false } as const;

  const denied = denial(def, who);
  if (denied) {
    const auditId = await record({
      ...early,
      params: auditParams(input),
      mode: modeOf(def, input),
      decision: 'denied',
      status: 'denied',
      summary: denied,
    });
    return { ok: false, decision: 'denied', status: 'denied', committed: false, message: denied, auditId };
  }

  const parsed = parseInput(def, raw, input);
  if ('issues' in parsed) {
    const message = `The input was refused and nothing was run: ${parsed.issues.map((i) => i.message).join(' ')}`;
    const mode = modeOf(def, parsed.parsed ?? input);
    const auditId = await record({
      ...early,
      params: auditParams(input),
      mode,
      decision: 'invalid',
      status: 'invalid_input',
      summary: message,
    });
    return {
      ok: false,
      decision: 'invalid',
      status: 'invalid_input',
      committed: false,
      message,
      issues: parsed.issues,
      auditId,
    };
  }

  const data = parsed.data;
  const mode = modeOf(def, data);
  const runTag = data.runTag || undefined;
  const actor = runTag ? `${who.username}:${runTag}` : who.username;
  const params = auditParams(Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'reason')));
  const rule = def.plan;
  const isApply = rule ? rule.applies(data) : false;
  const reason = data.reason ?? null;

  // an apply names its plan: the caller's own, for these parameters, unexpired and unused
  let plan: Plan | null = null;
  if (rule && isApply) {
    const checked = await planRefusal(caller.db, def.name, who.username, rule, data, input);
    if ('status' in checked) {
      const planId = checked.planId ?? null;
      const auditId = await record({
        params,
        mode,
        decision: 'refused',
        status: checked.status,
        summary: checked.message,
        actor: null,
        reason,
        committed: false,
        planId,
      });
      return {
        ok: false,
        decision: 'refused',
        status: checked.status,
        committed: false,
        message: checked.message,
        auditId,
        ...(planId ? { planId } : {}),
      };
    }
    plan = checked.plan;
  }

  const entryFor = (o: RecipeResult<T>, committed: boolean, planId: number | null): AuditEntry => ({
    params,
    mode,
    decision: o.ok ? 'ok' : o.status === 'invalid_input' ? 'invalid' : 'refused',
    status: o.status,
    summary: summaryOf(def, o),
    actor,
    reason,
    committed,
    planId,
  });

  let auditId: number | null = null;
  const ctx: RecipeContext = {
    db: caller.db,
    user: who.username,
    role: who.role,
    runTag,
    async beforeFinish(tx: Tx, o: RecipeResult<unknown>) {
      // only a commit records here: a rolled-back write would vanish with the run
      if (o.committed) auditId = await record(entryFor(o as RecipeResult<T>, true, plan?.id ?? null), tx);
    },
    verify: plan && rule ? planVerifier(plan, rule, data) : undefined,
  };

  let outcome: RecipeResult<T>;
  try {
    outcome = await def.run(ctx, data);
  } catch (err) {
    logError(`[iu-console] ${def.name} by ${who.username} failed:`, err);
    const summary = redactText(err instanceof Error ? err.message : String(err)).slice(0, 500);
    const id = await record({
      params,
      mode,
      decision: 'error',
      status: 'error',
      summary,
      actor,
      reason,
      committed: false,
      planId: plan?.id ?? null,
    });
    return {
      ok: false,
      decision: 'error',
      status: 'error',
      committed: false,
      message: ERROR_MESSAGE,
      actor,
      auditId: id,
    };
  }

  // a successful preview becomes a plan, stored before its audit row so the row can name it
  let made: Plan | null = null;
  if (rule && !isApply && outcome.ok && !outcome.committed) {
    made = await createPlan(caller.db.orm, {
      recipe: def.name,
      username: who.username,
      actor,
      params: rule.params(data),
      effect: rule.effect(outcome, data),
      summary: summaryOf(def, outcome),
    });
  }
  if (!outcome.committed || auditId === null) {
    // rolled back (or the recipe never called beforeFinish): record it on its own
    auditId = await record(entryFor(outcome, outcome.committed, made?.id ?? plan?.id ?? null));
  }
  return resultOf(outcome, { actor, auditId, shown: made ?? plan, appliedPlan: plan });
}

/** Step, inside the apply's transaction: the plan is used up there, and the effect must be the plan's. */
function planVerifier<V, T>(plan: Plan, rule: PlanRule<V, T>, data: V): NonNullable<RecipeContext['verify']> {
  return async (tx: Tx, o: RecipeResult<unknown>): Promise<Refusal | null> => {
    // claimed first: an apply that raced another apply of this plan is told it was used
    const used = await claimPlan(tx, plan);
    if (used) return { ok: false, status: used.status, committed: false, message: used.message };
    const drift = rule.drift(plan.effect, o, data);
    return drift ? { ok: false, status: 'plan_stale', committed: false, message: drift } : null;
  };
}

/** Step: the recipe's outcome as the caller's answer. */
function resultOf<T>(
  outcome: RecipeResult<T>,
  o: { actor: string; auditId: number | null; shown: Plan | null; appliedPlan: Plan | null },
): ActionResult<T> {
  if (outcome.ok) {
    return {
      ok: true,
      decision: 'ok',
      status: outcome.status,
      committed: outcome.committed,
      message: outcome.committed ? 'Done: committed.' : 'Preview: the run was rolled back, nothing was written.',
      result: outcome.result,
      actor: o.actor,
      auditId: o.auditId,
      ...(o.shown ? { plan: planView(o.shown) } : {}),
    };
  }
  return {
    ok: false,
    decision: outcome.status === 'invalid_input' ? 'invalid' : 'refused',
    status: outcome.status,
    committed: outcome.committed,
    message: outcome.message || describeStatus(outcome.status),
    issues: outcome.issues,
    actor: o.actor,
    auditId: o.auditId,
    ...(o.appliedPlan ? { planId: o.appliedPlan.id } : {}),
  };
}

/** Why an apply may not run: no usable plan of the caller's own, or the typed text does not match. */
async function planRefusal<V, T>(
  db: Database,
  recipe: string,
  username: string,
  rule: PlanRule<V, T>,
  data: V,
  raw: Record<string, unknown>,
): Promise<
  | { plan: Plan }
  | {
      status: 'plan_required' | 'plan_expired' | 'plan_used' | 'confirmation_required';
      message: string;
      planId?: number;
    }
> {
  const checked = await checkPlan(db, { recipe, username, params: rule.params(data), planId: raw.planId });
  if (!('plan' in checked)) return { ...checked, planId: parsePlanId(raw.planId) ?? undefined };
  const expected = rule.typed?.(data, checked.plan.effect) ?? null;
  const typed = typeof raw.confirmText === 'string' ? raw.confirmText : '';
  if (expected !== null && typed !== expected) {
    return {
      status: 'confirmation_required',
      message: describeStatus('confirmation_required'),
      planId: checked.plan.id,
    };
  }
  return checked;
}

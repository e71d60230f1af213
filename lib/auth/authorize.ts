// The one wrapper every console mutation goes through, in this order: session → role →
// zod parse → recipe → audit row. The actor's user part is the session's user name; a form
// can only add a validated run tag. A committed run's audit row is written inside the
// recipe's transaction (beforeFinish), so the run and its record exist together or not at
// all; anything that rolled back (previews, dry runs, refusals, errors), and every denied or
// invalid attempt, is recorded in a write of its own that survives.
import { createHash } from 'node:crypto';
import { and, eq, gte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { consoleAuditLog } from '@/db/auth-schema';
import { describeStatus } from '@/lib/recipes/messages';
import type { FieldIssue, RecipeContext, RecipeResult, Tx } from '@/lib/recipes/types';
import { auditParams, writeAudit, type AuditDecision, type AuditMode } from './audit';
import { screenInput } from './input-guard';
import type { Identity, RequestInfo } from './identity';
import { hasRole, type Role, ROLE_DESCRIPTIONS } from './roles';

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
   * For a step that writes for real (live, durable): it is accepted only after a successful
   * preview of the same parameters by the same person, and with the confirm dialog's typed
   * text (`confirmText` in the raw input) equal to `typed`.
   */
  confirmed?: ConfirmRule<z.output<S>>;
}

export interface ConfirmRule<V> {
  /** True for the live or destructive form of this input; false for its preview. */
  applies: (input: V) => boolean;
  /** What a preview must share with the live step, field by field (mode fields left out). */
  sameAs: (input: V) => Record<string, unknown>;
  /** The exact text the person must type to confirm (an instance key, batch tag, actor). */
  typed: (input: V, db: Database) => string | Promise<string>;
}

export type ActionResult<T> =
  | { ok: true; decision: 'ok'; status: string; committed: boolean; message: string; result: T; actor: string; auditId: number | null }
  | {
      ok: false;
      decision: Exclude<AuditDecision, 'ok'>;
      status: string;
      message: string;
      committed: boolean;
      issues?: FieldIssue[];
      actor?: string;
      auditId: number | null;
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

/** How long a preview stays good for its live step: IU_PREVIEW_TTL_MIN minutes, default 30. */
export function previewTtlMinutes(): number {
  const n = Number(process.env.IU_PREVIEW_TTL_MIN);
  return Number.isFinite(n) && n > 0 ? n : 30;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** The hash a preview records and its live step must match: who, which recipe, which parameters. */
export function previewKey(username: string, recipe: string, same: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify([username, recipe, canonical(same)])).digest('hex');
}

const ERROR_MESSAGE = 'Something went wrong and nothing was written; the attempt is in the audit trail. Try again, or ask a lead to look at the server log.';

/** Runs one authorized action for `caller`; every path but "signed out" leaves exactly one audit row. */
export async function executeAuthorized<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
  caller: Caller,
  raw: unknown,
): Promise<ActionResult<T>> {
  const startedAt = new Date();
  const input = toPlainInput(raw);
  const who = caller.identity;
  if (!who) {
    return { ok: false, decision: 'unauthenticated', status: 'unauthenticated', committed: false, message: 'You are signed out; sign in and try again.', auditId: null };
  }
  const safeMode = (v: Record<string, unknown>): AuditMode => {
    try {
      return def.mode(v);
    } catch {
      return 'preview';
    }
  };
  const base = {
    startedAt,
    username: who.username,
    role: caller.auditRole ?? who.role,
    recipe: def.name,
    ip: caller.request.ip,
    userAgent: caller.request.userAgent,
  };
  const record = (e: Omit<Parameters<typeof writeAudit>[1], keyof typeof base>, on: Parameters<typeof writeAudit>[0] = caller.db.orm) =>
    writeAudit(on, { ...base, ...e });
  const rawReason = typeof input.reason === 'string' && input.reason.trim() ? input.reason.trim().slice(0, 2000) : null;

  // a one-time password must be changed before anything else
  if (who.mustChangePassword || !hasRole(who.role, def.role)) {
    const message = who.mustChangePassword
      ? 'You signed in with a one-time password; choose your own password first (/account/password). Nothing was run.'
      : who.role
        ? `Your role (${who.role}) cannot do this; it needs ${def.role} (${ROLE_DESCRIPTIONS[def.role]}). Nothing was run.`
        : 'You have no role yet, so you cannot do anything here; ask a lead to give you one.';
    const auditId = await record({
      params: auditParams(input),
      mode: safeMode(input),
      decision: 'denied',
      status: 'denied',
      summary: message,
      actor: null,
      reason: rawReason,
      committed: false,
    });
    return { ok: false, decision: 'denied', status: 'denied', committed: false, message, auditId };
  }

  const parsed = screenInput(input) ?? def.input.safeParse(input);
  let issues: FieldIssue[] | null = null;
  if (!parsed.success) {
    issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
  } else if (def.reasonRequired?.(parsed.data) && !(parsed.data as { reason?: string }).reason) {
    issues = [{ field: 'reason', message: 'A reason is required for this; say why you are doing it.' }];
  }
  if (!parsed.success || issues) {
    const list = issues ?? [];
    const message = `The input was refused and nothing was run: ${list.map((i) => i.message).join(' ')}`;
    const auditId = await record({
      params: auditParams(input),
      mode: safeMode(parsed.success ? (parsed.data as Record<string, unknown>) : input),
      decision: 'invalid',
      status: 'invalid_input',
      summary: message,
      actor: null,
      reason: rawReason,
      committed: false,
    });
    return { ok: false, decision: 'invalid', status: 'invalid_input', committed: false, message, issues: list, auditId };
  }

  const data = parsed.data as z.output<S> & { reason?: string; runTag?: string };
  const mode = safeMode(data);
  const rule = def.confirmed;
  const key = rule ? previewKey(who.username, def.name, rule.sameAs(data)) : null;
  const isStep = rule ? rule.applies(data) : false;
  if (rule && isStep) {
    const refusal = await confirmRefusal(caller.db, rule, data, input, who.username, key!);
    if (refusal) {
      const auditId = await record({
        params: auditParams(Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'reason'))),
        mode,
        decision: 'refused',
        status: refusal,
        summary: describeStatus(refusal),
        actor: null,
        reason: data.reason ?? null,
        committed: false,
      });
      return { ok: false, decision: 'refused', status: refusal, committed: false, message: describeStatus(refusal), auditId };
    }
  }
  const runTag = data.runTag || undefined;
  const actor = runTag ? `${who.username}:${runTag}` : who.username;
  const params = auditParams(Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'reason')));
  const summarize = (o: RecipeResult<T>) => {
    try {
      return def.summarize?.(o) ?? (o.ok ? o.status : `${o.status}: ${o.message}`);
    } catch {
      return o.status;
    }
  };
  const entryFor = (o: RecipeResult<T>, committed: boolean) => ({
    params,
    mode,
    decision: (o.ok ? 'ok' : o.status === 'invalid_input' ? 'invalid' : 'refused') as AuditDecision,
    status: o.status,
    summary: summarize(o),
    actor,
    reason: data.reason ?? null,
    committed,
    // a successful preview is what a later live step with the same parameters leans on
    previewKey: key && !isStep && o.ok ? key : null,
  });

  let auditId: number | null = null;
  const ctx: RecipeContext = {
    db: caller.db,
    user: who.username,
    runTag,
    async beforeFinish(tx: Tx, o: RecipeResult<unknown>) {
      // only a commit records here: a rolled-back write would vanish with the run
      if (o.committed) auditId = await record(entryFor(o as RecipeResult<T>, true), tx);
    },
  };

  let outcome: RecipeResult<T>;
  try {
    outcome = await def.run(ctx, data);
  } catch (err) {
    console.error(`[iu-console] ${def.name} by ${who.username} failed:`, err);
    const id = await record({
      params,
      mode,
      decision: 'error',
      status: 'error',
      summary: err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500),
      actor,
      reason: data.reason ?? null,
      committed: false,
    });
    return { ok: false, decision: 'error', status: 'error', committed: false, message: ERROR_MESSAGE, actor, auditId: id };
  }
  if (!outcome.committed || auditId === null) {
    // rolled back (or the recipe never called beforeFinish): record it on its own
    auditId = await record(entryFor(outcome, outcome.committed));
  }
  if (outcome.ok) {
    return {
      ok: true,
      decision: 'ok',
      status: outcome.status,
      committed: outcome.committed,
      message: outcome.committed ? 'Done: committed.' : 'Preview: the run was rolled back, nothing was written.',
      result: outcome.result,
      actor,
      auditId,
    };
  }
  return {
    ok: false,
    decision: outcome.status === 'invalid_input' ? 'invalid' : 'refused',
    status: outcome.status,
    committed: outcome.committed,
    message: outcome.message || describeStatus(outcome.status),
    issues: outcome.issues,
    actor,
    auditId,
  };
}

/** Why a live step may not run yet: no typed confirmation, or no recent matching preview. */
async function confirmRefusal<V>(
  db: Database,
  rule: ConfirmRule<V>,
  data: V,
  raw: Record<string, unknown>,
  username: string,
  key: string,
): Promise<'confirmation_required' | 'preview_required' | null> {
  const since = new Date(Date.now() - previewTtlMinutes() * 60_000);
  const [hit] = await db.orm
    .select({ id: consoleAuditLog.id })
    .from(consoleAuditLog)
    .where(and(eq(consoleAuditLog.previewKey, key), eq(consoleAuditLog.username, username), eq(consoleAuditLog.decision, 'ok'), gte(consoleAuditLog.startedAt, since)))
    .orderBy(sql`${consoleAuditLog.startedAt} DESC`)
    .limit(1);
  if (!hit) return 'preview_required';
  const typed = typeof raw.confirmText === 'string' ? raw.confirmText : '';
  return typed === (await rule.typed(data, db)) ? null : 'confirmation_required';
}

/**
 * Runs `fn` in a transaction shaped like a recipe's: for admin operations (users) that are
 * not runbook recipes, so their audit row lands in the same transaction too.
 */
export async function runAdminTransaction<T>(ctx: RecipeContext, fn: (tx: Tx) => Promise<RecipeResult<T>>): Promise<RecipeResult<T>> {
  class Rollback extends Error {}
  let outcome: RecipeResult<T> | undefined;
  try {
    await ctx.db.orm.transaction(async (tx) => {
      outcome = await fn(tx);
      const commit = outcome.ok;
      if (ctx.beforeFinish) await ctx.beforeFinish(tx, { ...outcome, committed: commit } as RecipeResult<unknown>);
      if (!commit) throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
    return { ...(outcome as RecipeResult<T>), committed: false };
  }
  return { ...(outcome as RecipeResult<T>), committed: true };
}

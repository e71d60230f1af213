// The one transaction shape every recipe runs in: set the request actor, refuse on a gate
// leak, open the recipe's gates (composer before auto-instantiate, as the runbook does),
// run the body, close the gates, prove every iu_core gate is closed, then commit or roll back.
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { rowsOf } from '@/db/client';
import { describeStatus } from './messages';
import { RUN_TAG_RE, USER_RE } from './schemas';
import {
  OPENABLE_GATES,
  type FieldIssue,
  type OpenableGate,
  type RecipeContext,
  type RecipeResult,
  type Refusal,
  type Status,
  type Tx,
} from './types';

export class GateLeftOpenError extends Error {}
class RollbackSignal extends Error {}

/** A refusal value with the sentence for its status. */
export function refuse(status: Exclude<Status, 'ok'>, extra: Partial<Omit<Refusal, 'ok' | 'status'>> = {}): Refusal {
  // `message: undefined` in extra must not wipe out the sentence
  return { ok: false, status, committed: false, ...extra, message: extra.message ?? describeStatus(status) };
}

/** Turns zod issues into an invalid_input refusal that names each field. */
export function invalidInput(error: z.ZodError): Refusal {
  const issues: FieldIssue[] = error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
  return refuse('invalid_input', {
    issues,
    message: `The input was refused and nothing was written: ${issues.map((i) => i.message).join(' ')}`,
  });
}

/** The actor string recorded in the database: `<user>` or `<user>:<run-tag>`. */
export function actorOf(ctx: Pick<RecipeContext, 'user' | 'runTag'>): string | Refusal {
  if (!USER_RE.test(ctx.user)) {
    return refuse('invalid_input', {
      issues: [{ field: 'user', message: 'The signed-in user name is not a valid actor.' }],
      message: 'The signed-in user name cannot be used as an actor; ask a lead to fix the account name.',
    });
  }
  if (ctx.runTag === undefined || ctx.runTag === '') return ctx.user;
  if (!RUN_TAG_RE.test(ctx.runTag)) {
    return refuse('invalid_input', {
      issues: [
        {
          field: 'runTag',
          message:
            'The run tag must start with a letter or digit and use only letters, digits, dot, dash or underscore (at most 48).',
        },
      ],
      message:
        'The run tag was refused and nothing was written: use letters, digits, dot, dash or underscore (at most 48).',
    });
  }
  return `${ctx.user}:${ctx.runTag}`;
}

/** The numeric SQLSTATE of a database error, also when a driver wraps it. */
export function sqlState(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

export function gateWaitMs(ctx: RecipeContext): number {
  const env = Number(process.env.IU_GATE_WAIT_MS);
  return ctx.gateWaitMs ?? (Number.isFinite(env) && env >= 0 ? env : 5000);
}

export interface RunOptions<T> {
  gates: readonly OpenableGate[];
  /** Whether to commit this outcome; previews and dry runs answer false. */
  commit: (outcome: RecipeResult<T>) => boolean;
  signal?: AbortSignal;
}

export interface RunHelpers {
  /** Closes the recipe's gates now (the compose recipe closes before marking, as the runbook). */
  closeGates(): Promise<void>;
  /** Runs one statement and returns its rows, normalised. */
  rows<R>(q: ReturnType<typeof sql>): Promise<R[]>;
}

/** Runs `body` inside the gated transaction and returns its outcome, committed or not. */
export async function runRecipe<T>(
  ctx: RecipeContext,
  opts: RunOptions<T>,
  body: (tx: Tx, h: RunHelpers) => Promise<RecipeResult<T>>,
): Promise<RecipeResult<T>> {
  for (const g of opts.gates) {
    // delivery and retention are never opened by this project, whatever the caller asks
    if (!(OPENABLE_GATES as readonly string[]).includes(g)) return refuse('forbidden_gate');
  }
  const gates = [...opts.gates].sort((a, b) => OPENABLE_GATES.indexOf(a) - OPENABLE_GATES.indexOf(b));
  let outcome: RecipeResult<T> | undefined;
  let committed = false;
  try {
    await ctx.db.orm.transaction(async (tx) => {
      const rows = async <R>(q: ReturnType<typeof sql>) => rowsOf<R>(await tx.execute(q));
      const [setup] = await rows<{ leaked: string | null }>(sql`
        SELECT set_config('lock_timeout', ${`${gateWaitMs(ctx)}ms`}, true) AS lt,
               set_config('iu_core.request_actor', ${ctx.user}, true) AS ra,
               (SELECT string_agg(key, ', ' ORDER BY key) FROM dot_config
                 WHERE key LIKE 'iu_core.%' AND value <> 'false') AS leaked`);
      if (setup.leaked) {
        outcome = refuse('gate_leak', {
          message: `${describeStatus('gate_leak')} Open now: ${setup.leaked}.`,
          detail: { openGates: setup.leaked.split(', ') },
        });
      } else {
        for (const g of gates) await tx.execute(sql`UPDATE dot_config SET value = 'true' WHERE key = ${g}`);
        const closeGates = async () => {
          if (gates.length) {
            await tx.execute(sql`UPDATE dot_config SET value = 'false'
              WHERE key IN (${sql.join(
                gates.map((g) => sql`${g}`),
                sql`, `,
              )})`);
          }
        };
        outcome = await body(tx, { closeGates, rows });
        await closeGates();
        const open = await rows<{ key: string }>(
          sql`SELECT key FROM dot_config WHERE key LIKE 'iu_core.%' AND value <> 'false'`,
        );
        if (open.length)
          throw new GateLeftOpenError(`gates still open before commit: ${open.map((o) => o.key).join(', ')}`);
      }
      let wantCommit = outcome.status !== 'gate_leak' && opts.commit(outcome);
      if (opts.signal?.aborted) throw new RollbackSignal('cancelled');
      if (wantCommit && ctx.verify) {
        const refusal = await ctx.verify(tx, { ...outcome, committed: true } as RecipeResult<unknown>);
        if (refusal) {
          outcome = refusal;
          wantCommit = false;
        }
      }
      if (ctx.beforeFinish) await ctx.beforeFinish(tx, { ...outcome, committed: wantCommit } as RecipeResult<unknown>);
      if (!wantCommit) throw new RollbackSignal('rollback');
      committed = true;
    });
  } catch (err) {
    if (err instanceof RollbackSignal && err.message === 'rollback') {
      // a preview, a dry run or a refusal that must leave nothing behind
    } else if (opts.signal?.aborted || (err instanceof RollbackSignal && err.message === 'cancelled')) {
      return refuse('cancelled');
    } else if (sqlState(err) === '55P03') {
      return refuse('busy', {
        message: `${describeStatus('busy')} (waited ${gateWaitMs(ctx)} ms for the gate; nothing was written).`,
      });
    } else if (sqlState(err) === '42883' || sqlState(err) === '42P01') {
      return refuse('substrate_unavailable');
    } else {
      throw err;
    }
  }
  if (!outcome) throw new Error('recipe finished without an outcome');
  return { ...outcome, committed } as RecipeResult<T>;
}

/**
 * Runs `fn` in a transaction shaped like a recipe's: for admin operations (users) that are
 * not runbook recipes, so their audit row lands in the same transaction too.
 */
export async function runAdminTransaction<T>(
  ctx: RecipeContext,
  fn: (tx: Tx) => Promise<RecipeResult<T>>,
): Promise<RecipeResult<T>> {
  class Rollback extends Error {}
  let outcome: RecipeResult<T> | undefined;
  try {
    await ctx.db.orm.transaction(async (tx) => {
      outcome = await fn(tx);
      let commit = outcome.ok;
      if (commit && ctx.verify) {
        const refusal = await ctx.verify(tx, { ...outcome, committed: true } as RecipeResult<unknown>);
        if (refusal) {
          outcome = refusal;
          commit = false;
        }
      }
      if (ctx.beforeFinish) await ctx.beforeFinish(tx, { ...outcome, committed: commit } as RecipeResult<unknown>);
      if (!commit) throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
    return { ...(outcome as RecipeResult<T>), committed: false };
  }
  return { ...(outcome as RecipeResult<T>), committed: true };
}

// The CLI's shared machinery: how a command opens the database as the acting user, calls the
// action wrapper (the same pipeline as the console, audited with role 'cli'), prints a
// refusal with the flags a person typed, and repeats a preview as the command that applies it.
// Exit codes: 0 done, 2 refused (bad input included), 1 unexpected error.
import os from 'node:os';
import type { Command } from 'commander';
import type { z } from 'zod';
import { openDatabase, type Database } from '@/db/client';
import { executeAuthorized, type ActionDefinition, type ActionResult, type Caller } from '@/lib/auth/authorize';
import { refuse, runTagSchema, type RecipeContext, type RecipeResult, type Refusal } from '@/lib/recipes';
import { EXIT } from './errors';
import { iuCommandLine, renderPlan } from './plan';
import { renderRefusal } from './render';
import { resolveTemplate } from './template-ref';
import { cliUser } from './user';
import { describeError } from '@/lib/errors';

export interface GlobalOpts {
  json?: boolean;
  tag?: string;
}

/** Where output goes: with --json only the final document reaches stdout. */
export class Io {
  constructor(readonly json: boolean) {}
  /** Human output; silent under --json. */
  out(text: string) {
    if (!this.json) process.stdout.write(`${text}\n`);
  }
  /** Notes and warnings, always on stderr. */
  note(text: string) {
    process.stderr.write(`${text}\n`);
  }
  /** The machine-readable result; only under --json. */
  result(value: unknown) {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

export interface Run {
  db: Database;
  io: Io;
  /** Set for commands that act; null for read-only ones. */
  ctx: RecipeContext | null;
  command: string;
  /** Positional arguments (users add <username>, …). */
  args: string[];
  /** The parsed command, to repeat it as a plan's apply command. */
  cmd: Command;
}

/** The recipe's field names, as the flags a person typed (added as `flag`; `field` stays the recipe's). */
export const FIELD_FLAGS: Record<string, string> = {
  eventId: '--event',
  eventType: '--type',
  templateCollectionId: '--template',
  templateKey: '--template',
  uniqueSuffix: '--suffix',
  emitMode: '--mode',
  note: '--note',
  n: '--n',
  uuidPrefix: '--prefix',
  batchTag: '--batch',
  actor: '--actor',
  family: '--family',
  title: '--title',
  label: '--label',
  kind: '--kind',
  description: '--description',
  previousCollectionId: '--previous',
  pieces: '--pieces',
  runTag: '--tag',
  tag: '--tag',
  user: 'IU_USER',
  targetActor: '--actor',
  reason: '--reason',
  planId: '--plan',
  confirmText: '--confirm',
};

export function withFlags(r: Refusal): Refusal {
  if (!r.issues) return r;
  // zod can report the same problem twice (a min(1) and a refine on one field)
  const seen = new Set<string>();
  const unique = r.issues.filter((i) => {
    const k = `${i.field}\u0000${i.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  return {
    ...r,
    issues: unique.map((i) => {
      const [head, ...rest] = i.field.split('.');
      const flag = FIELD_FLAGS[head];
      if (!flag) return i;
      // pieces.2.newPiece.title → --pieces[3].newPiece.title (pieces counted from 1, as people do)
      const path =
        head === 'pieces' && rest.length && /^\d+$/.test(rest[0])
          ? `[${Number(rest[0]) + 1}]${rest
              .slice(1)
              .map((p) => `.${p}`)
              .join('')}`
          : rest.map((p) => `.${p}`).join('');
      return { ...i, flag: `${flag}${path}` };
    }),
  };
}

/** A refusal, printed for people (stderr) or as the JSON result, with exit code 2. */
export function refused(
  run: Pick<Run, 'io' | 'command'> & { db?: Database },
  refusal: Refusal,
  extra: Record<string, unknown> = {},
): number {
  const r = withFlags(refusal);
  if (run.io.json) {
    run.io.result({ command: run.command, database: run.db?.label ?? null, ...extra, ...r });
    run.io.note(`refused: ${r.status}: ${r.message}`);
  } else {
    run.io.note(renderRefusal(r));
  }
  return EXIT.refused;
}

/**
 * Wraps a command: checks the acting user and run tag, opens the database, runs, always
 * closes (PGlite holds a folder lock), and maps errors to a sentence and exit code 1. The
 * audit trail is the action wrapper's (executeAuthorized), never written here.
 */
export function action<O>(name: string, opts: { acts: boolean }, handler: (run: Run, o: O) => Promise<number>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const globals = cmd.optsWithGlobals() as GlobalOpts;
    const o = cmd.opts() as O;
    const io = new Io(!!globals.json);
    let ctx: Omit<RecipeContext, 'db'> | null = null;
    if (opts.acts) {
      const who = cliUser();
      if ('error' in who) {
        process.exitCode = refused(
          { io, command: name },
          refuse('invalid_input', { message: who.error, issues: [{ field: 'user', message: who.error }] }),
        );
        return;
      }
      const tag = runTagSchema.safeParse(globals.tag);
      if (!tag.success) {
        const message = tag.error.issues[0]?.message ?? 'The run tag is not valid.';
        process.exitCode = refused(
          { io, command: name },
          refuse('invalid_input', {
            message: `The run tag was refused and nothing was written: ${message}`,
            issues: [{ field: 'tag', message }],
          }),
        );
        return;
      }
      ctx = { user: who.user, runTag: tag.data };
    }
    let db: Database | undefined;
    try {
      db = await openDatabase();
      const runCtx: RecipeContext | null = ctx ? { ...ctx, db } : null;
      process.exitCode = await handler(
        { db, io, ctx: runCtx, command: name, args: (cmd.processedArgs ?? cmd.args) as string[], cmd },
        o,
      );
    } catch (err) {
      const message = describeError(err, db?.label);
      io.result({ command: name, database: db?.label ?? null, ok: false, status: 'error', message });
      io.note(`Error: ${message}`);
      process.exitCode = EXIT.error;
    } finally {
      await db?.close().catch((err) => io.note(`Closing the database failed: ${describeError(err)}`));
    }
  };
}

/** The CLI as a caller of the action wrapper: the CLI user with the lead's role, audited as 'cli'. */
export function cliCaller(run: Run): Caller {
  return {
    db: run.db,
    identity: { userId: 'cli', username: run.ctx!.user, role: 'lead', mustChangePassword: false, source: 'session' },
    request: { ip: 'cli', userAgent: `iu-cli (${os.hostname()})` },
    auditRole: 'cli',
  };
}

/**
 * Runs a recipe's action definition through executeAuthorized (role, input, reason, plan,
 * audit row), and keeps the recipe's own outcome too: a refusal's substrate detail (the
 * colliding key, the kept event-log row) is the recipe's, not the wrapper's answer.
 */
export async function runDefinition<S extends z.ZodType<Record<string, unknown>>, T>(
  run: Run,
  def: ActionDefinition<S, T>,
  input: Record<string, unknown>,
): Promise<{ r: ActionResult<T>; raw: RecipeResult<T> | null }> {
  let raw: RecipeResult<T> | null = null;
  const capturing: ActionDefinition<S, T> = {
    ...def,
    run: async (ctx, v) => (raw = await def.run(ctx, v)),
  };
  const r = await executeAuthorized(capturing, cliCaller(run), { ...input, runTag: run.ctx!.runTag });
  return { r, raw };
}

/**
 * Runs a definition that is not a recipe (user admin, approval decisions) as the CLI user: its
 * answer as the JSON result; a refusal printed (with the missing --reason named), exit code 2.
 */
export async function runAdmin<S extends z.ZodType<Record<string, unknown>>, T>(
  run: Run,
  def: ActionDefinition<S, T>,
  input: Record<string, unknown>,
): Promise<Extract<ActionResult<T>, { ok: true }> | number> {
  const r = await executeAuthorized(def, cliCaller(run), input);
  run.io.result({ command: run.command, database: run.db.label, ...r });
  if (r.ok) return r;
  const noReason = r.issues?.some((i) => i.field === 'reason');
  run.io.note(`Refused (${r.status}): ${r.message}${noReason ? ' Add --reason "<why>".' : ''}`);
  return EXIT.refused;
}

/** The flags that make a run an apply, or name its plan: left out of the command line a preview repeats. */
export const APPLY_FLAGS = new Set(['commit', 'keep', 'durable', 'closeAll', 'plan', 'confirm', 'reason']);

/**
 * The arguments that repeat this command as the person typed it (global flags first), with
 * `set` replacing option values (a generated event id, a resolved template key) and `add`
 * appended (--commit --plan N --confirm … --reason …).
 */
export function sameCommand(run: Run, set: Record<string, string>, add: (string | null | undefined)[]): string[] {
  const cmd = run.cmd;
  const out: string[] = [];
  const root = cmd.parent;
  if (root) {
    if (root.getOptionValueSource('json') === 'cli') out.push('--json');
    if (root.getOptionValueSource('tag') === 'cli') out.push('--tag', String(root.getOptionValue('tag')));
  }
  out.push(cmd.name());
  for (const opt of cmd.options) {
    const attr = opt.attributeName();
    if (APPLY_FLAGS.has(attr) || !opt.long) continue;
    if (attr in set) {
      out.push(opt.long, set[attr]);
      continue;
    }
    if (cmd.getOptionValueSource(attr) !== 'cli') continue;
    const value = cmd.getOptionValue(attr) as unknown;
    if (typeof value === 'boolean') {
      if (value !== !!opt.negate) out.push(opt.long);
    } else if (value !== undefined) {
      out.push(opt.long, String(value));
    }
  }
  return [...out, ...add.filter((a): a is string => typeof a === 'string')];
}

export interface ApplyOpts {
  plan?: string;
  confirm?: string;
  reason?: string;
}

/** The flags of an apply, for the printed command: --plan N, --confirm <text> when needed, --reason. */
export function applyFlags(planId: number, typed: string | null, reason: string | undefined): string[] {
  return [
    '--plan',
    String(planId),
    ...(typed !== null ? ['--confirm', typed] : []),
    '--reason',
    reason?.trim() ? reason.trim() : '…',
  ];
}

/** The wrapper's fields of an apply: its plan, typed text and reason (undefined fields are dropped). */
export function applyInput(o: ApplyOpts): Record<string, unknown> {
  return { planId: o.plan, confirmText: o.confirm, reason: o.reason };
}

/** --plan or --confirm without the flag that applies: refused before anything runs. */
export function strayPlanFlags(run: Run, o: ApplyOpts, applyFlag: string): number | null {
  const stray = (['plan', 'confirm'] as const).filter((k) => o[k] !== undefined);
  if (!stray.length) return null;
  const message = `--${stray.join(' and --')} name${stray.length === 1 ? 's' : ''} what an apply runs; add ${applyFlag} to apply the plan (without it this is a preview, which makes a new plan).`;
  return refused(
    run,
    refuse('invalid_input', {
      message: `Nothing was run: ${message}`,
      issues: stray.map((k) => ({ field: k === 'plan' ? 'planId' : 'confirmText', message })),
    }),
  );
}

/** A rollback's apply flags: --durable applies its dry run's plan, named by --plan, --confirm <typed>, --reason. */
export function durableOptions(cmd: Command, typed: string, durableMore = ''): Command {
  return cmd
    .option('--durable', `apply the dry run's plan (with --plan, --confirm <${typed}>, --reason)${durableMore}`)
    .option('--plan <id>', 'with --durable: the plan (from the dry run) to apply')
    .option('--confirm <text>', `with --durable: the ${typed}, typed to confirm`)
    .option('--reason <text>', 'with --durable: why (recorded in the audit trail)');
}

/**
 * A rollback's run: a dry run that makes a plan, or with --durable the apply of that plan
 * (--plan or --confirm without --durable are refused first). A refusal is printed and its exit
 * code returned.
 */
export async function runDurable<S extends z.ZodType<Record<string, unknown>>, T>(
  run: Run,
  o: ApplyOpts & { durable?: boolean },
  def: ActionDefinition<S, T>,
  input: Record<string, unknown>,
): Promise<Extract<ActionResult<T>, { ok: true }> | number> {
  const stray = o.durable ? null : strayPlanFlags(run, o, '--durable');
  if (stray !== null) return stray;
  const { r, raw } = await runDefinition(run, def, {
    ...input,
    durable: !!o.durable,
    ...(o.durable ? applyInput(o) : { reason: o.reason }),
  });
  return r.ok ? r : notDone(run, r, raw);
}

/** A refusal or error from the wrapper, printed; 2 for a refusal, 1 for an error. */
export function notDone(
  run: Run,
  r: Extract<ActionResult<unknown>, { ok: false }>,
  raw: RecipeResult<unknown> | null,
  extra: Record<string, unknown> = {},
): number {
  if (r.decision === 'error') {
    run.io.result({ command: run.command, database: run.db.label, ...extra, ...r });
    run.io.note(`Error: ${r.message}`);
    return EXIT.error;
  }
  const own = raw && !raw.ok && raw.status === r.status ? raw : null;
  // the wrapper's sentence speaks of the console's dialog; on the command line it is --confirm
  const message =
    r.status === 'confirmation_required'
      ? "The --confirm text did not match: give exactly the text in the apply command the preview printed (the new version's key, the instance key, the batch tag, the actor, or 'close all gates'); it is case-sensitive. Nothing was written."
      : r.message;
  const refusal: Refusal = {
    ok: false,
    status: r.status as Refusal['status'],
    message,
    committed: r.committed,
    ...(r.issues ? { issues: r.issues } : {}),
    ...(own?.detail ? { detail: own.detail } : {}),
    ...(own?.step ? { step: own.step } : {}),
  };
  return refused(run, refusal, {
    ...extra,
    decision: r.decision,
    auditId: r.auditId,
    ...(r.planId ? { planId: r.planId } : {}),
  });
}

/** A done run: the JSON result (with the plan and the apply command of a preview), or the rendering and the plan. */
export function done<T>(
  run: Run,
  r: Extract<ActionResult<T>, { ok: true }>,
  shown: { text: string; json?: unknown; apply?: string[] | null; alternatives?: { label: string; args: string[] }[] },
  extra: Record<string, unknown> = {},
): number {
  const apply = !r.committed && r.plan && shown.apply ? shown.apply : null;
  run.io.result({
    command: run.command,
    database: run.db.label,
    ...extra,
    ...r,
    ...(shown.json !== undefined ? { result: shown.json } : {}),
    ...(apply ? { apply: { command: iuCommandLine(apply), args: apply } } : {}),
  });
  run.io.out(shown.text);
  if (apply && r.plan) run.io.out(renderPlan(r.plan, apply, shown.alternatives));
  else if (r.committed && r.plan) run.io.out(`Applied plan #${r.plan.id}.`);
  return EXIT.ok;
}

export async function templateArg(
  run: Run,
  raw: string | undefined,
): Promise<{ id?: string; key: string | null; viaFamily: boolean } | Refusal> {
  if (raw === undefined) return { id: undefined, key: null, viaFamily: false }; // the recipe's validation names the missing field
  const r = await resolveTemplate(run.db, raw);
  if (!r.ok) return refuse('template_collection_not_found', { message: r.message });
  if (r.ref.via === 'family' && !run.io.json) run.io.note(`Using ${r.ref.key}, the latest version of ${raw.trim()}.`);
  return { id: r.ref.id, key: r.ref.key, viaFamily: r.ref.via === 'family' };
}

/** An apply names the template version its preview resolved, not a family whose latest version may move. */
export const templateSet = (tpl: { key: string | null; viaFamily: boolean }): Record<string, string> =>
  tpl.viaFamily && tpl.key ? { template: tpl.key } : {};

export const isRefusal = (v: unknown): v is Refusal => !!v && typeof v === 'object' && (v as Refusal).ok === false;

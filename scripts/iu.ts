// npm run iu -- <command>: the operator's command line over the recipe engine.
//
// Every recipe runs through the console's action wrapper (executeAuthorized with the
// definitions in lib/actions): the same role, reason and plan rules and the same audit trail
// (role 'cli'). A preview makes a plan and prints the exact command that applies it; the apply
// names it (--plan, --confirm, --reason). This file only parses flags, resolves template keys
// with read SELECTs, and prints. The acting user is IU_USER or the OS user, never a flag.
// Exit codes: 0 done, 2 refused (bad input included), 1 unexpected error.
// With --json, stdout carries exactly one JSON document; progress and notes go to stderr.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { openDatabase, type Database } from '@/db/client';
import { migrationStatus } from '@/db/migrate';
import {
  readGates,
  refuse,
  runTagSchema,
  type BulkItem,
  type BulkProgress,
  type BulkResult,
  type RecipeContext,
  type RecipeResult,
  type Refusal,
} from '@/lib/recipes';
import { EXIT, describeError, ignoreClosedStdout } from '@/lib/cli/errors';
import { fmtCount, fmtCounts, fmtDate, record, table } from '@/lib/cli/format';
import { explainPieceIssues, parsePiecesJson } from '@/lib/cli/pieces';
import { gateLeakLine, renderBulk, renderCompose, renderGates, renderInstantiate, renderRefusal, renderRollback } from '@/lib/cli/render';
import { resolveTemplate } from '@/lib/cli/template-ref';
import { cliUser } from '@/lib/cli/user';
import os from 'node:os';
import type { z } from 'zod';
import { executeAuthorized, type ActionDefinition, type ActionResult, type Caller } from '@/lib/auth/authorize';
import { writeAudit } from '@/lib/auth/audit';
import { bootstrapLead, listUsers, UserAdminError } from '@/lib/auth/users';
import { addUserDefinition, resetPasswordDefinition, setDisabledDefinition, setRoleDefinition, type UserAdminResult } from '@/lib/auth/user-actions';
import { bulkScaleOutJobDefinition } from '@/lib/recipes/bulk-scale-out';
import { CLOSE_GATES_PHRASE, closeAllGatesDefinition } from '@/lib/recipes/close-all-gates';
import { instantiateFromEventDefinition } from '@/lib/recipes/instantiate-from-event';
import { rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor';
import { composeTemplateVersionDefinition } from '@/lib/recipes/compose-template-version';
import { iuCommandLine, renderPlan } from '@/lib/cli/plan';

function cliUserName(): string {
  const who = cliUser();
  return 'error' in who ? 'unknown' : who.user;
}

interface GlobalOpts {
  json?: boolean;
  tag?: string;
}

/** Where output goes: with --json only the final document reaches stdout. */
class Io {
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

interface Run {
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
const FIELD_FLAGS: Record<string, string> = {
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

function withFlags(r: Refusal): Refusal {
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
      const path = head === 'pieces' && rest.length && /^\d+$/.test(rest[0]) ? `[${Number(rest[0]) + 1}]${rest.slice(1).map((p) => `.${p}`).join('')}` : rest.map((p) => `.${p}`).join('');
      return { ...i, flag: `${flag}${path}` };
    }),
  };
}

/** A refusal, printed for people (stderr) or as the JSON result, with exit code 2. */
function refused(run: Pick<Run, 'io' | 'command'> & { db?: Database }, refusal: Refusal, extra: Record<string, unknown> = {}): number {
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
function action<O>(name: string, opts: { acts: boolean }, handler: (run: Run, o: O) => Promise<number>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const globals = cmd.optsWithGlobals() as GlobalOpts;
    const o = cmd.opts() as O;
    const io = new Io(!!globals.json);
    let ctx: Omit<RecipeContext, 'db'> | null = null;
    if (opts.acts) {
      const who = cliUser();
      if ('error' in who) {
        process.exitCode = refused({ io, command: name }, refuse('invalid_input', { message: who.error, issues: [{ field: 'user', message: who.error }] }));
        return;
      }
      const tag = runTagSchema.safeParse(globals.tag);
      if (!tag.success) {
        const message = tag.error.issues[0]?.message ?? 'The run tag is not valid.';
        process.exitCode = refused({ io, command: name }, refuse('invalid_input', { message: `The run tag was refused and nothing was written: ${message}`, issues: [{ field: 'tag', message }] }));
        return;
      }
      ctx = { user: who.user, runTag: tag.data };
    }
    let db: Database | undefined;
    try {
      db = await openDatabase();
      const runCtx: RecipeContext | null = ctx ? { ...ctx, db } : null;
      process.exitCode = await handler({ db, io, ctx: runCtx, command: name, args: (cmd.processedArgs ?? cmd.args) as string[], cmd }, o);
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
function cliCaller(run: Run): Caller {
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
async function runDefinition<S extends z.ZodType<Record<string, unknown>>, T>(
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

/** The flags that make a run an apply, or name its plan: left out of the command line a preview repeats. */
const APPLY_FLAGS = new Set(['commit', 'keep', 'durable', 'closeAll', 'plan', 'confirm', 'reason']);

/**
 * The arguments that repeat this command as the person typed it (global flags first), with
 * `set` replacing option values (a generated event id, a resolved template key) and `add`
 * appended (--commit --plan N --confirm … --reason …).
 */
function sameCommand(run: Run, set: Record<string, string>, add: (string | null | undefined)[]): string[] {
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

interface ApplyOpts {
  plan?: string;
  confirm?: string;
  reason?: string;
}

/** The flags of an apply, for the printed command: --plan N, --confirm <text> when needed, --reason. */
function applyFlags(planId: number, typed: string | null, reason: string | undefined): string[] {
  return ['--plan', String(planId), ...(typed !== null ? ['--confirm', typed] : []), '--reason', reason?.trim() ? reason.trim() : '…'];
}

/** The wrapper's fields of an apply: its plan, typed text and reason (undefined fields are dropped). */
function applyInput(o: ApplyOpts): Record<string, unknown> {
  return { planId: o.plan, confirmText: o.confirm, reason: o.reason };
}

/** --plan or --confirm without the flag that applies: refused before anything runs. */
function strayPlanFlags(run: Run, o: ApplyOpts, applyFlag: string): number | null {
  const stray = (['plan', 'confirm'] as const).filter((k) => o[k] !== undefined);
  if (!stray.length) return null;
  const message = `--${stray.join(' and --')} name${stray.length === 1 ? 's' : ''} what an apply runs; add ${applyFlag} to apply the plan (without it this is a preview, which makes a new plan).`;
  return refused(run, refuse('invalid_input', { message: `Nothing was run: ${message}`, issues: stray.map((k) => ({ field: k === 'plan' ? 'planId' : 'confirmText', message })) }));
}

/** A refusal or error from the wrapper, printed; 2 for a refusal, 1 for an error. */
function notDone(run: Run, r: Extract<ActionResult<unknown>, { ok: false }>, raw: RecipeResult<unknown> | null, extra: Record<string, unknown> = {}): number {
  if (r.decision === 'error') {
    run.io.result({ command: run.command, database: run.db.label, ...extra, ...r });
    run.io.note(`Error: ${r.message}`);
    return EXIT.error;
  }
  const own = raw && !raw.ok && raw.status === r.status ? raw : null;
  // the wrapper's sentence speaks of the console's dialog; on the command line it is --confirm
  const message =
    r.status === 'confirmation_required'
      ? 'The --confirm text did not match: give exactly the text in the apply command the preview printed (the new version\'s key, the instance key, the batch tag, the actor, or \'close all gates\'); it is case-sensitive. Nothing was written.'
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
  return refused(run, refusal, { ...extra, decision: r.decision, auditId: r.auditId, ...(r.planId ? { planId: r.planId } : {}) });
}

/** A done run: the JSON result (with the plan and the apply command of a preview), or the rendering and the plan. */
function done<T>(
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

async function tableExists(db: Database, name: string): Promise<boolean> {
  const [r] = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return r.ok;
}

async function templateArg(run: Run, raw: string | undefined): Promise<{ id?: string; key: string | null; viaFamily: boolean } | Refusal> {
  if (raw === undefined) return { id: undefined, key: null, viaFamily: false }; // the recipe's validation names the missing field
  const r = await resolveTemplate(run.db, raw);
  if (!r.ok) return refuse('template_collection_not_found', { message: r.message });
  if (r.ref.via === 'family' && !run.io.json) run.io.note(`Using ${r.ref.key}, the latest version of ${raw.trim()}.`);
  return { id: r.ref.id, key: r.ref.key, viaFamily: r.ref.via === 'family' };
}

/** An apply names the template version its preview resolved, not a family whose latest version may move. */
const templateSet = (tpl: { key: string | null; viaFamily: boolean }): Record<string, string> => (tpl.viaFamily && tpl.key ? { template: tpl.key } : {});

const isRefusal = (v: unknown): v is Refusal => !!v && typeof v === 'object' && (v as Refusal).ok === false;

// ---------------------------------------------------------------------------------------

ignoreClosedStdout();

const program = new Command()
  .name('iu')
  .description('Operator command line for iu_core: gates, status, compose, instantiate, bulk, rollback-actor.\nActs as IU_USER or the OS user. Exit codes: 0 done, 2 refused, 1 error.')
  .option('--json', 'print one machine-readable JSON result on stdout, nothing else')
  .option('--tag <run-tag>', 'run tag: the recorded actor becomes <user>:<run-tag>')
  .showHelpAfterError()
  .addHelpText('after', '\nPGlite (.data/pglite or IU_PGLITE_DIR) by default; PostgreSQL when DATABASE_URL is set.');

interface GatesOpts extends ApplyOpts {
  closeAll?: boolean;
}

program
  .command('gates')
  .description('show the four iu_core gates; --close-all previews closing the open ones and prints the plan that closes them')
  .option('--close-all', 'close every open iu_core gate (a lead fixing a gate leak): a preview and its plan, or with --plan the close itself')
  .option('--plan <id>', 'with --close-all: the plan (from the preview) to apply')
  .option('--confirm <text>', `with --close-all --plan: the typed confirmation, '${CLOSE_GATES_PHRASE}'`)
  .option('--reason <text>', 'with --close-all --plan: why (recorded in the audit trail)')
  .action(
    action<GatesOpts>('gates', { acts: true }, async (run, o) => {
      if (!o.closeAll) {
        const stray = (['plan', 'confirm', 'reason'] as const).filter((k) => o[k] !== undefined);
        if (stray.length) {
          const message = `--${stray.join(', --')} belong${stray.length === 1 ? 's' : ''} to --close-all; gates alone only shows the gates.`;
          return refused(run, refuse('invalid_input', { message: `Nothing was run: ${message}`, issues: [{ field: stray[0] === 'plan' ? 'planId' : stray[0] === 'confirm' ? 'confirmText' : 'reason', message }] }));
        }
        const gates = await readGates(run.db);
        const leak = gates.filter((g) => g.open).map((g) => g.key);
        run.io.result({ command: 'gates', database: run.db.label, ok: true, gates, leak: leak.length > 0 });
        run.io.out(`Database: ${run.db.label}`);
        run.io.out(renderGates(gates));
        run.io.out(gateLeakLine(gates) ?? 'All gates are closed.');
        return EXIT.ok;
      }
      const applying = o.plan !== undefined;
      const { r, raw } = await runDefinition(run, closeAllGatesDefinition, { preview: !applying, ...(applying ? applyInput(o) : { reason: o.reason }) });
      if (!r.ok) return notDone(run, r, raw);
      const gates = await readGates(run.db);
      const text = [`Database: ${run.db.label}`];
      if (r.committed) text.push(r.result.length ? `Closed ${r.result.join(', ')} (as ${run.ctx!.user}).` : 'No gate was open; nothing changed.');
      else text.push(r.result.length ? `Open now, and closed by the plan below: ${r.result.join(', ')}.` : 'No gate is open; there is nothing to close.');
      text.push(renderGates(gates));
      if (r.committed) text.push(gateLeakLine(gates) ?? 'All gates are closed.');
      const apply = r.result.length ? sameCommand(run, {}, ['--close-all', ...applyFlags(r.plan!.id, CLOSE_GATES_PHRASE, o.reason)]) : null;
      return done(run, r, { text: text.join('\n'), apply }, { gates, ...(r.committed ? { closed: r.result } : { open: r.result }) });
    }),
  );

program
  .command('status')
  .description('database, migrations, counts of templates, instances and events, open gates')
  .action(
    action<object>('status', { acts: false }, async (run) => {
      const { db, io } = run;
      const migrations = await migrationStatus(db);
      const applied = migrations.filter((m) => m.applied);
      const pending = migrations.filter((m) => !m.applied).map((m) => `${m.version}_${m.name}`);
      const drifted = migrations.filter((m) => m.drifted).map((m) => `${m.version}_${m.name}`);
      const has = {
        gates: await tableExists(db, 'dot_config'),
        collections: await tableExists(db, 'iu_piece_collection'),
        versions: await tableExists(db, 'iu_template_version'),
        log: await tableExists(db, 'iu_auto_instantiate_event_log'),
        archive: await tableExists(db, 'iu_auto_instantiate_event_log_archive_033'),
        observability: await tableExists(db, 'v_iu_template_observability'),
      };
      const gates = has.gates ? await readGates(db) : [];
      const counts: Record<string, number | string | null> = {};
      if (has.collections && has.versions) {
        const [c] = await db.query<{ templates: number; live: number; dry_run: number; families: number; pieces: number }>(`
          SELECT count(*) FILTER (WHERE is_template)::int AS templates,
                 count(*) FILTER (WHERE instance_emit_mode = 'live')::int AS live,
                 count(*) FILTER (WHERE instance_emit_mode = 'dry_run')::int AS dry_run,
                 (SELECT count(DISTINCT template_family) FROM iu_template_version)::int AS families,
                 (SELECT count(*) FROM information_unit)::int AS pieces
            FROM iu_piece_collection`);
        Object.assign(counts, { templates: c.templates, templateFamilies: c.families, pieces: c.pieces, liveInstances: c.live, dryRunInstances: c.dry_run });
      }
      let events: Record<string, unknown> | null = null;
      if (has.log) {
        const [e] = await db.query<{ rows: number; rolled_back: number; actors: number; last_at: Date | null }>(`
          SELECT count(*)::int AS rows, count(rolled_back_at)::int AS rolled_back,
                 count(DISTINCT triggered_by)::int AS actors, max(created_at) AS last_at
            FROM iu_auto_instantiate_event_log`);
        const byStatus = await db.query<{ status: string; n: number }>(
          'SELECT status, count(*)::int AS n FROM iu_auto_instantiate_event_log GROUP BY status',
        );
        events = { rows: e.rows, rolledBack: e.rolled_back, actors: e.actors, lastAt: e.last_at, byStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])) };
      }
      const templates = has.observability
        ? await db.query<Record<string, unknown>>(`
            SELECT collection_key, template_label, version_label, active_piece_count,
                   live_instance_count, dry_run_instance_count, last_instantiated_at
              FROM v_iu_template_observability ORDER BY collection_key`)
        : [];
      const openGates = gates.filter((g) => g.open).map((g) => g.key);

      io.result({
        command: 'status',
        ok: true,
        database: db.label,
        kind: db.kind,
        migrations: { applied: applied.length, total: migrations.length, pending, drifted, list: migrations },
        counts,
        events,
        eventLogArchived: has.archive,
        openGates,
        templates,
      });
      io.out(`Database: ${db.label}`);
      io.out(
        `Migrations: ${applied.length} of ${migrations.length} applied` +
          (pending.length ? `; pending ${pending.join(', ')} (run npm run db:migrate)` : '') +
          (drifted.length ? `; CHANGED since applied: ${drifted.join(', ')}` : ''),
      );
      if (!has.collections) {
        io.out('The iu_core schema is not there yet: run npm run db:migrate (and npm run db:seed for demo data).');
        return EXIT.ok;
      }
      io.out(openGates.length ? gateLeakLine(gates)! : `Gates: all ${gates.length} closed.`);
      if (!has.log) {
        io.out(
          `Auto-instantiate is off: migration 033 is not applied${has.archive ? ' (rolled back; its event log is kept as iu_auto_instantiate_event_log_archive_033)' : ''}. npm run db:migrate restores it.`,
        );
      }
      io.out(
        record([
          ['templates', counts.templates],
          ['template families', counts.templateFamilies],
          ['pieces', counts.pieces],
          ['live instances', counts.liveInstances],
          ['dry_run instances', counts.dryRunInstances],
          ['event-log rows', events ? events.rows : 'n/a (033 not applied)'],
          ['  by status', events ? fmtCounts(events.byStatus as Record<string, number>) : null],
          ['  rolled back', events ? events.rolledBack : null],
          ['  actors', events ? events.actors : null],
          ['  last event', events ? fmtDate(events.lastAt as Date | null) : null],
        ]),
      );
      if (templates.length) {
        io.out(
          table(
            ['template', 'label', 'version', 'pieces', 'live', 'dry_run', 'last instantiated'],
            templates.map((t) => [t.collection_key, t.template_label, t.version_label, t.active_piece_count, t.live_instance_count, t.dry_run_instance_count, t.last_instantiated_at]),
          ),
        );
      }
      return EXIT.ok;
    }),
  );

interface ComposeOpts {
  family?: string;
  title?: string;
  label?: string;
  pieces?: string;
  note?: string;
  kind?: string;
  description?: string;
  previous?: string;
  commit?: boolean;
  plan?: string;
  confirm?: string;
  reason?: string;
}

program
  .command('compose')
  .description('compose the next version of a template family (preview unless --commit)')
  .option('--family <family>', 'template family, e.g. design-review (tpl: is added)')
  .option('--title <title>', 'collection title')
  .option('--label <label>', 'template label')
  .option('--pieces <file.json|->', 'JSON array of pieces: {"role","iuId"} or {"role","newPiece":{canonicalAddress,title,body,unitKind?,sectionType?}}; - reads stdin')
  .option('--note <note>', 'note stored with the template mark')
  .option('--kind <kind>', 'collection kind (default design_doc)')
  .option('--description <text>', 'collection description')
  .option('--previous <uuid>', 'the unregistered v1 to chain from (only for a family never registered)')
  .option('--commit', 'apply the preview\'s plan (with --plan, --confirm <new key>, --reason); without it the run is a preview that rolls back and makes a plan')
  .option('--plan <id>', 'with --commit: the plan (from the preview) to apply')
  .option('--confirm <text>', 'with --commit: the new version\'s key, typed to confirm (tpl:<family>/v<n>)')
  .option('--reason <text>', 'with --commit: why (recorded in the audit trail)')
  .action(
    action<ComposeOpts>('compose', { acts: true }, async (run, o) => {
      const stray = o.commit ? null : strayPlanFlags(run, o, '--commit');
      if (stray !== null) return stray;
      // A pieces problem is reported together with every other field problem: the recipe
      // runs with an empty list (which its schema refuses before any SQL) and the pieces
      // issue replaces the schema's "at least one piece".
      let piecesError: string | null = null;
      let pieces: unknown[] = [];
      if (o.pieces === undefined) {
        piecesError = '--pieces is required (a JSON file, or - for stdin).';
      } else {
        const source = o.pieces === '-' ? 'stdin' : o.pieces;
        let text: string | null = null;
        try {
          text = fs.readFileSync(o.pieces === '-' ? 0 : o.pieces, 'utf8');
        } catch (err) {
          piecesError = `Cannot read the pieces from ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`;
        }
        if (text !== null) {
          const parsed = parsePiecesJson(text, source);
          if (parsed.ok) pieces = parsed.pieces;
          else piecesError = parsed.message;
        }
      }
      // a pieces problem leaves the list empty, which the action's schema refuses before any SQL
      const { r, raw } = await runDefinition(run, composeTemplateVersionDefinition, {
        family: o.family,
        title: o.title,
        label: o.label,
        kind: o.kind,
        description: o.description,
        note: o.note,
        previousCollectionId: o.previous,
        pieces,
        preview: !o.commit,
        ...(o.commit ? applyInput(o) : { reason: o.reason }),
      });
      if (piecesError !== null) {
        if (r.ok) throw new Error('compose ran without pieces'); // the schema requires at least one
        const others = (r.issues ?? []).filter((i) => i.field !== 'pieces');
        const issues = [...others, { field: 'pieces', message: piecesError }];
        return notDone(run, { ...r, issues, message: `The input was refused and nothing was written: ${issues.map((i) => i.message).join(' ')}` }, null);
      }
      if (!r.ok) return notDone(run, r.issues ? { ...r, issues: explainPieceIssues(r.issues, pieces) } : r, raw);
      const apply = r.plan ? sameCommand(run, {}, ['--commit', ...applyFlags(r.plan.id, r.result.collectionKey, o.reason)]) : null;
      return done(run, r, { text: renderCompose(r.result, r.committed, { withPlan: !!apply }), apply });
    }),
  );

interface InstantiateOpts {
  event?: string;
  template?: string;
  suffix?: string;
  type: string;
  mode: string;
  note?: string;
  keep?: boolean;
  commit?: boolean;
  plan?: string;
  confirm?: string;
  reason?: string;
}

program
  .command('instantiate')
  .description('instantiate a template from one event (preview unless --commit)')
  .option('--event <uuid|new>', 'event id; "new" makes a random one')
  .option('--template <uuid|key>', 'template collection id, key (tpl:design-review/v3) or family (latest version)')
  .option('--suffix <suffix>', 'unique suffix of the instance key')
  .option('--type <event-type>', 'event type', 'template.published')
  .option('--mode <mode>', 'dry_run or live', 'dry_run')
  .option('--note <note>', 'note stored in the event log')
  .option('--commit', 'apply the dry run\'s plan (with --plan, --reason, and --confirm <instance key> for live): a dry_run instance becomes durable, a live one exists')
  .option('--keep', 'same as --commit')
  .option('--plan <id>', 'with --commit: the plan (from the dry run) to apply')
  .option('--confirm <text>', 'with --commit and --mode live: the live instance key, typed to confirm')
  .option('--reason <text>', 'with --commit: why (recorded in the audit trail)')
  .action(
    action<InstantiateOpts>('instantiate', { acts: true }, async (run, o) => {
      const applying = !!(o.commit || o.keep);
      const stray = applying ? null : strayPlanFlags(run, o, '--commit');
      if (stray !== null) return stray;
      const tpl = await templateArg(run, o.template);
      if (isRefusal(tpl)) return refused(run, tpl);
      const fresh = o.event?.trim().toLowerCase() === 'new';
      const eventId = fresh ? crypto.randomUUID() : o.event;
      if (fresh && !run.io.json) run.io.note(`New event id: ${eventId}`);
      const { r, raw } = await runDefinition(run, instantiateFromEventDefinition, {
        eventId,
        eventType: o.type,
        templateCollectionId: tpl.id,
        uniqueSuffix: o.suffix,
        emitMode: o.mode,
        note: o.note,
        preview: !applying,
        ...(applying ? applyInput(o) : { reason: o.reason }),
      });
      const extra = { templateKey: tpl.key, ...(fresh ? { eventId } : {}) };
      if (!r.ok) return notDone(run, r, raw, extra);
      const res = r.result;
      // the apply repeats this dry run: the same event id (not "new"), the same template version
      const set = { ...templateSet(tpl), ...(fresh ? { event: String(eventId) } : {}) };
      let apply: string[] | null = null;
      const alternatives: { label: string; args: string[] }[] = [];
      if (r.plan) {
        const live = res.emitMode === 'live' ? res : res.livePrediction;
        const liveKey = live?.instanceCollectionKey ?? null;
        apply = sameCommand(run, set, ['--commit', ...applyFlags(r.plan.id, res.emitMode === 'live' ? liveKey : null, o.reason)]);
        if (res.emitMode === 'dry_run' && live && live.status === 'ok' && liveKey) {
          alternatives.push({ label: `Or make it live with the same plan (a live run now would make ${liveKey})`, args: sameCommand(run, { ...set, mode: 'live' }, ['--commit', ...applyFlags(r.plan.id, liveKey, o.reason)]) });
        }
      }
      const text = renderInstantiate(res, { committed: r.committed, eventType: o.type, suffix: o.suffix ?? '', template: { id: tpl.id ?? '', key: tpl.key }, withPlan: !!apply });
      return done(run, r, { text, apply, alternatives }, extra);
    }),
  );

interface BulkOpts {
  template?: string;
  n?: string;
  prefix?: string;
  batch?: string;
  mode: string;
  type: string;
  note?: string;
  commit?: boolean;
  items?: boolean;
  progress: boolean;
  plan?: string;
  confirm?: string;
  reason?: string;
}

program
  .command('bulk')
  .description('bulk scale-out: N events in one transaction (preflight that rolls back unless --commit)')
  .option('--template <uuid|key>', 'template collection id, key or family (latest version)')
  .option('--n <N>', 'number of events')
  .option('--prefix <prefix>', 'event-id prefix, hexadecimal: 25000b00- or 25000b00-0000-4000-8000-')
  .option('--batch <tag>', 'batch tag; suffixes are <tag>-001, <tag>-002, …')
  .option('--mode <mode>', 'live or dry_run', 'live')
  .option('--type <event-type>', 'event type', 'template.published')
  .option('--note <note>', 'note stored on every event-log row')
  .option('--commit', 'apply the preflight\'s plan (with --plan, --reason, and --confirm <batch tag> for live); without it the run is a preflight that rolls back and makes a plan')
  .option('--plan <id>', 'with --commit: the plan (from the preflight) to apply')
  .option('--confirm <text>', 'with --commit and --mode live: the batch tag, typed to confirm')
  .option('--reason <text>', 'with --commit: why (recorded in the audit trail)')
  .option('--items', 'print every item, not only the first few')
  .option('--no-progress', 'no progress output on stderr')
  .action(
    action<BulkOpts>('bulk', { acts: true }, async (run, o) => {
      const stray = o.commit ? null : strayPlanFlags(run, o, '--commit');
      if (stray !== null) return stray;
      const tpl = await templateArg(run, o.template);
      if (isRefusal(tpl)) return refused(run, tpl);

      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        run.io.note('\nCancelling: the whole run rolls back (Ctrl-C again to quit at once).');
        controller.abort();
      };
      process.on('SIGINT', onSigint);

      const progress = o.progress ? makeProgress(run.io) : null;
      let items: BulkItem[] = [];
      // the console job's definition: the same action to the wrapper and the audit trail, with
      // the run's progress, its Ctrl-C and its items hooked in
      const def = bulkScaleOutJobDefinition({
        onStart: async () => {},
        onProgress: (p) => progress?.update(p),
        onItems: (list) => {
          items = list;
        },
        onCommit: async () => {},
        signal: controller.signal,
      });
      let out;
      try {
        out = await runDefinition(run, def, {
          templateCollectionId: tpl.id,
          n: o.n, // a string; the schema coerces and checks it
          uuidPrefix: o.prefix,
          batchTag: o.batch,
          emitMode: o.mode,
          eventType: o.type,
          note: o.note,
          preview: !o.commit,
          ...(o.commit ? applyInput(o) : { reason: o.reason }),
        });
      } finally {
        progress?.stop();
        process.off('SIGINT', onSigint);
      }
      const { r, raw } = out;
      if (!r.ok) {
        if (r.status === 'invalid_input' && o.template === undefined && !r.issues?.some((i) => i.field === 'templateCollectionId')) {
          // the schema checks the template only once the other fields parse; name it at once
          return notDone(run, { ...r, issues: [...(r.issues ?? []), { field: 'templateCollectionId', message: 'Pick a template (by id, key or family).' }] }, raw, { templateKey: tpl.key });
        }
        return notDone(run, r, raw, { templateKey: tpl.key });
      }
      const full: BulkResult = { ...(({ itemCount: _n, digest: _d, ...rest }) => rest)(r.result), items };
      const batchTag = (o.batch ?? '').trim();
      const apply = r.plan ? sameCommand(run, templateSet(tpl), ['--commit', ...applyFlags(r.plan.id, full.emitMode === 'live' ? batchTag : null, o.reason)]) : null;
      const text = renderBulk(full, { committed: r.committed, allItems: !!o.items, templateKey: tpl.key, batchTag, withPlan: !!apply });
      const code = done(run, r, { text, json: { ...r.result, items }, apply }, { templateKey: tpl.key });
      const notOk = full.total - (full.counts.ok ?? 0);
      if (notOk > 0) run.io.note(`Note: ${fmtCount(notOk)} of ${fmtCount(full.total)} items were not ok (${fmtCounts(Object.fromEntries(Object.entries(full.counts).filter(([k]) => k !== 'ok')))}).`);
      return code;
    }),
  );

/** A cli-progress bar on a terminal; a line per chunk when stderr is a file or pipe. */
function makeProgress(io: Io): { update: (p: BulkProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'bulk [{bar}] {percentage}% | {value}/{total} | {counts}',
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        if (!started) {
          bar.start(p.total, 0, { counts: '' });
          started = true;
        }
        bar.update(p.done, { counts: fmtCounts(p.counts) });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  return {
    update: (p) => io.note(`bulk: ${fmtCount(p.done)}/${fmtCount(p.total)} (${fmtCounts(p.counts)})`),
    stop: () => {},
  };
}

interface RollbackOpts extends ApplyOpts {
  actor?: string;
  durable?: boolean;
  items?: boolean;
}

program
  .command('rollback-actor')
  .description('roll back every standing instance one actor created (dry run unless --durable)')
  .option('--actor <actor>', 'the actor to roll back, matched exactly (e.g. dana or dana:canary-3)')
  .option('--durable', 'apply the dry run\'s plan (with --plan, --confirm <actor>, --reason): delete exactly the instances it listed; without it nothing is written')
  .option('--plan <id>', 'with --durable: the plan (from the dry run) to apply')
  .option('--confirm <text>', 'with --durable: the actor, typed to confirm')
  .option('--reason <text>', 'with --durable: why (recorded in the audit trail)')
  .option('--items', 'list every instance, not only the first few')
  .action(
    action<RollbackOpts>('rollback-actor', { acts: true }, async (run, o) => {
      const stray = o.durable ? null : strayPlanFlags(run, o, '--durable');
      if (stray !== null) return stray;
      const { r, raw } = await runDefinition(run, rollbackByActorDefinition, {
        targetActor: o.actor,
        durable: !!o.durable,
        ...(o.durable ? applyInput(o) : { reason: o.reason }),
      });
      if (!r.ok) return notDone(run, r, raw);
      if (r.result.instanceCount === 0 && !run.io.json && typeof o.actor === 'string') {
        // actors are matched exactly; a run-tagged actor is a different string
        const similar = await run.db.query<{ triggered_by: string; n: number }>(
          `SELECT triggered_by, count(*)::int AS n FROM iu_auto_instantiate_event_log
            WHERE status = 'ok' AND rolled_back_at IS NULL AND instance_collection_id IS NOT NULL
              AND (lower(triggered_by) = lower($1) OR triggered_by ILIKE $2 || ':%')
              AND triggered_by <> $1
            GROUP BY triggered_by ORDER BY triggered_by LIMIT 10`,
          [o.actor, o.actor.replace(/[\\%_]/g, (c) => `\\${c}`)],
        );
        if (similar.length) run.io.note(`Actors with standing instances that look alike: ${similar.map((s) => `${s.triggered_by} (${s.n})`).join(', ')}.`);
      }
      const apply = r.plan && r.result.instanceCount > 0 ? sameCommand(run, {}, ['--durable', ...applyFlags(r.plan.id, r.result.actor, o.reason)]) : null;
      return done(run, r, { text: renderRollback(r.result, { committed: r.committed, allItems: !!o.items }), apply });
    }),
  );

// ---- users: the CLI is a local administrator with database access -------------------------

/** Runs a user-admin definition as the CLI user, with the lead's permissions, audited with role 'cli'. */
async function adminCommand<S extends z.ZodType<Record<string, unknown>>>(run: Run, def: ActionDefinition<S, UserAdminResult>, input: Record<string, unknown>): Promise<number> {
  const user = run.ctx!.user;
  const r = await executeAuthorized(def, {
    db: run.db,
    identity: { userId: 'cli', username: user, role: 'lead', mustChangePassword: false, source: 'session' },
    request: { ip: 'cli', userAgent: `iu-cli (${os.hostname()})` },
    auditRole: 'cli',
  }, input);
  run.io.result({ command: run.command, database: run.db.label, ...r });
  if (!r.ok) {
    const noReason = r.issues?.some((i) => i.field === 'reason');
    run.io.note(`Refused (${r.status}): ${r.message}${noReason ? ' Add --reason "<why>".' : ''}`);
    return EXIT.refused;
  }
  run.io.out(`${r.result.username}: role ${r.result.role ?? 'none'}, ${r.result.disabled ? 'disabled' : 'enabled'}`);
  if (r.result.oneTimePassword) run.io.out(`One-time password (shown once; must be changed at first sign-in): ${r.result.oneTimePassword}`);
  return EXIT.ok;
}

const users = program.command('users').description('console accounts: list, add, disable, enable, set-role, reset-password, bootstrap');

users
  .command('list')
  .description('every console account with its role and state')
  .action(
    action('users list', { acts: false }, async (run) => {
      const list = await listUsers(run.db.orm);
      run.io.result({ command: run.command, users: list });
      run.io.out(
        list.length
          ? table(['user', 'role', 'state', 'source'], list.map((u) => [u.username, u.role ?? 'none', u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active', u.source]))
          : 'No console accounts yet; npm start (or npm run iu -- users bootstrap) makes the first one.',
      );
      return EXIT.ok;
    }),
  );

users
  .command('add <username>')
  .description('add a user with a one-time password (printed once); needs --reason')
  .option('--role <role>', 'viewer, operator, lead or none', 'viewer')
  .option('--reason <text>', 'why (recorded in the audit trail)')
  .action(
    action<{ role: string; reason?: string }>('users add', { acts: true }, (run, o) =>
      adminCommand(run, addUserDefinition, { username: run.args[0], role: o.role, reason: o.reason }),
    ),
  );

users
  .command('set-role <username> <role>')
  .description('set a role: viewer, operator, lead, or none; needs --reason')
  .option('--reason <text>', 'why (recorded in the audit trail)')
  .action(
    action<{ reason?: string }>('users set-role', { acts: true }, (run, o) =>
      adminCommand(run, setRoleDefinition, { username: run.args[0], role: run.args[1], reason: o.reason }),
    ),
  );

for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
  users
    .command(`${name} <username>`)
    .description(`${disabled ? 'disable a user (signs them out everywhere)' : 'enable a disabled user'}; needs --reason`)
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .action(
      action<{ reason?: string }>(`users ${name}`, { acts: true }, (run, o) =>
        adminCommand(run, setDisabledDefinition, { username: run.args[0], disabled, reason: o.reason }),
      ),
    );
}

users
  .command('reset-password <username>')
  .description('give a user a new one-time password (printed once); needs --reason')
  .option('--reason <text>', 'why (recorded in the audit trail)')
  .action(
    action<{ reason?: string }>('users reset-password', { acts: true }, (run, o) =>
      adminCommand(run, resetPasswordDefinition, { username: run.args[0], reason: o.reason }),
    ),
  );

users
  .command('bootstrap')
  .description('when there is no account yet: make lead admin (IU_ADMIN_PASSWORD, or a one-time password printed here)')
  .action(
    action('users bootstrap', { acts: false }, async (run) => {
      let r: Awaited<ReturnType<typeof bootstrapLead>>;
      try {
        r = await bootstrapLead(run.db);
      } catch (err) {
        if (!(err instanceof UserAdminError)) throw err;
        // a weak IU_ADMIN_PASSWORD: refused, recorded, and npm start stops on the exit code
        await writeAudit(run.db.orm, {
          startedAt: new Date(), username: cliUserName(), role: 'cli', recipe: 'user_bootstrap', params: {},
          mode: 'admin', decision: 'refused', status: 'weak_password', summary: err.message,
          actor: null, reason: 'first start', ip: 'cli', userAgent: 'iu-cli', committed: false,
        });
        return refused(run, refuse('invalid_input', { message: err.message, issues: [{ field: 'IU_ADMIN_PASSWORD', message: err.message }] }));
      }
      run.io.result({ command: run.command, ...r });
      if (!r.created) {
        run.io.out('Console accounts exist already; nothing to do.');
        return EXIT.ok;
      }
      await writeAudit(run.db.orm, {
        startedAt: new Date(), username: cliUserName(), role: 'cli', recipe: 'user_bootstrap', params: { username: r.username },
        mode: 'admin', decision: 'ok', status: 'ok', summary: `made the first lead, ${r.username}${r.oneTimePassword ? ' (one-time password)' : ' (IU_ADMIN_PASSWORD)'}`,
        actor: null, reason: 'first start', ip: 'cli', userAgent: 'iu-cli', committed: true,
      });
      if (r.oneTimePassword) {
        run.io.out(
          [
            '',
            '  ┌──────────────────────────────────────────────────────────────┐',
            `  │ First sign-in: user ${r.username.padEnd(41)}│`,
            `  │ One-time password: ${r.oneTimePassword.padEnd(42)}│`,
            '  │ Shown once; you choose your own password at first sign-in.   │',
            '  └──────────────────────────────────────────────────────────────┘',
            '',
          ].join('\n'),
        );
      } else {
        run.io.out(`Made the first lead, ${r.username}, with the password in IU_ADMIN_PASSWORD.`);
      }
      return EXIT.ok;
    }),
  );

program.parseAsync().catch((err) => {
  process.stderr.write(`Error: ${describeError(err)}\n`);
  process.exitCode = EXIT.error;
});

// npm run iu -- <command>: the operator's command line over the recipe engine.
//
// Every write goes through lib/recipes; this file only parses flags, resolves template keys
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
  bulkScaleOut,
  closeAllGates,
  composeTemplateVersion,
  instantiateFromEvent,
  readGates,
  refuse,
  rollbackByActor,
  runTagSchema,
  type BulkInput,
  type BulkProgress,
  type ComposeInput,
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
import { executeAuthorized, type ActionDefinition } from '@/lib/auth/authorize';
import { auditParams, writeAudit, type AuditEntry, type AuditMode } from '@/lib/auth/audit';
import { bootstrapLead, listUsers, UserAdminError } from '@/lib/auth/users';
import { addUserDefinition, resetPasswordDefinition, setDisabledDefinition, setRoleDefinition, type UserAdminResult } from '@/lib/actions/definitions';

function cliUserName(): string {
  const who = cliUser();
  return 'error' in who ? 'unknown' : who.user;
}

interface GlobalOpts {
  json?: boolean;
  tag?: string;
  reason?: string;
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
 * closes (PGlite holds a folder lock), and maps errors to a sentence and exit code 1.
 */
interface CliAudit<O> {
  /** The recipe name in the audit trail (the console's names). */
  recipe: string;
  mode: (o: O) => AuditMode;
}

function action<O>(name: string, opts: { acts: boolean; audit?: CliAudit<O> }, handler: (run: Run, o: O) => Promise<number>) {
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
    // Recipe runs from the CLI are in the console's audit trail too, with role 'cli': a
    // commit's row in the recipe's transaction, a preview's or refusal's afterwards.
    const pending: AuditEntry[] = [];
    const startedAt = new Date();
    try {
      db = await openDatabase();
      let runCtx: RecipeContext | null = ctx ? { ...ctx, db } : null;
      if (runCtx && opts.audit) {
        const audit = opts.audit;
        const c = runCtx;
        const entry = (outcome: RecipeResult<unknown>): AuditEntry => ({
          startedAt,
          username: c.user,
          role: 'cli',
          recipe: audit.recipe,
          params: auditParams({ ...(o as Record<string, unknown>), reason: undefined }),
          mode: audit.mode(o),
          decision: outcome.ok ? 'ok' : outcome.status === 'invalid_input' ? 'invalid' : 'refused',
          status: outcome.status,
          summary: outcome.ok ? `${outcome.status}${outcome.committed ? '' : ', rolled back'}` : `${outcome.status}: ${outcome.message}`,
          actor: c.runTag ? `${c.user}:${c.runTag}` : c.user,
          reason: globals.reason ?? null,
          ip: 'cli',
          userAgent: `iu-cli (${os.hostname()})`,
          committed: outcome.committed,
        });
        runCtx = {
          ...c,
          async beforeFinish(tx, outcome) {
            if (outcome.committed) await writeAudit(tx, entry(outcome));
            else pending.push(entry(outcome));
          },
        };
      }
      process.exitCode = await handler({ db, io, ctx: runCtx, command: name, args: (cmd.processedArgs ?? cmd.args) as string[] }, o);
      for (const e of pending.splice(0)) await writeAudit(db.orm, e);
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

/** Prints a recipe outcome: the rendering on success, the refusal otherwise. */
function finish<T>(run: Run, outcome: RecipeResult<T>, render: (result: T, committed: boolean) => string, extra: Record<string, unknown> = {}): number {
  if (!outcome.ok) return refused(run, outcome, extra);
  run.io.result({ command: run.command, database: run.db.label, ...extra, ...outcome });
  run.io.out(render(outcome.result, outcome.committed));
  return EXIT.ok;
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const [r] = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return r.ok;
}

async function templateArg(run: Run, raw: string | undefined): Promise<{ id?: string; key: string | null } | Refusal> {
  if (raw === undefined) return { id: undefined, key: null }; // the recipe's validation names the missing field
  const r = await resolveTemplate(run.db, raw);
  if (!r.ok) return refuse('template_collection_not_found', { message: r.message });
  if (r.ref.via === 'family' && !run.io.json) run.io.note(`Using ${r.ref.key}, the latest version of ${raw.trim()}.`);
  return { id: r.ref.id, key: r.ref.key };
}

const isRefusal = (v: unknown): v is Refusal => !!v && typeof v === 'object' && (v as Refusal).ok === false;

// ---------------------------------------------------------------------------------------

ignoreClosedStdout();

const program = new Command()
  .name('iu')
  .description('Operator command line for iu_core: gates, status, compose, instantiate, bulk, rollback-actor.\nActs as IU_USER or the OS user. Exit codes: 0 done, 2 refused, 1 error.')
  .option('--json', 'print one machine-readable JSON result on stdout, nothing else')
  .option('--tag <run-tag>', 'run tag: the recorded actor becomes <user>:<run-tag>')
  // One --reason for every command, the users commands included: a root option is read
  // wherever it stands on the line, so a subcommand's own --reason would never see a value.
  .option('--reason <text>', 'why: recorded in the console audit trail (live runs and user changes need one)')
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError()
  .addHelpText('after', '\nPGlite (.data/pglite or IU_PGLITE_DIR) by default; PostgreSQL when DATABASE_URL is set.');

program
  .command('gates')
  .description('show the four iu_core gates; --close-all closes any leaked gate')
  .option('--close-all', 'close every open iu_core gate (a lead fixing a gate leak)')
  .action(
    action<{ closeAll?: boolean }>('gates', { acts: true, audit: { recipe: 'close_all_gates', mode: () => 'admin' } }, async (run, o) => {
      let closed: string[] | undefined;
      if (o.closeAll) closed = await closeAllGates(run.ctx!);
      const gates = await readGates(run.db);
      const leak = gates.filter((g) => g.open).map((g) => g.key);
      run.io.result({ command: 'gates', database: run.db.label, ok: true, gates, leak: leak.length > 0, ...(closed ? { closed } : {}) });
      run.io.out(`Database: ${run.db.label}`);
      if (closed) run.io.out(closed.length ? `Closed ${closed.join(', ')} (as ${run.ctx!.user}).` : 'No gate was open; nothing changed.');
      run.io.out(renderGates(gates));
      const line = gateLeakLine(gates);
      run.io.out(line ?? 'All gates are closed.');
      return EXIT.ok;
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
  .option('--commit', 'keep it; without it the run is a preview that rolls back')
  .action(
    action<ComposeOpts>('compose', { acts: true, audit: { recipe: 'compose_template_version', mode: (o) => (o.commit ? 'live' : 'preview') } }, async (run, o) => {
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
      const outcome = await composeTemplateVersion(run.ctx!, {
        family: o.family as string,
        title: o.title as string,
        label: o.label as string,
        kind: o.kind,
        description: o.description,
        note: o.note,
        previousCollectionId: o.previous,
        pieces: pieces as ComposeInput['pieces'], // validated by the recipe's schema
        commit: !!o.commit && piecesError === null,
      });
      if (piecesError !== null) {
        if (outcome.ok) throw new Error('compose ran without pieces'); // the schema requires at least one
        const others = (outcome.issues ?? []).filter((i) => i.field !== 'pieces');
        const issues = [...others, { field: 'pieces', message: piecesError }];
        return refused(run, refuse('invalid_input', { issues, message: `The input was refused and nothing was written: ${issues.map((i) => i.message).join(' ')}` }));
      }
      if (!outcome.ok && outcome.issues) outcome.issues = explainPieceIssues(outcome.issues, pieces);
      return finish(run, outcome, (res, committed) => renderCompose(res, committed));
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
  .option('--commit', 'keep the outcome (a dry_run instance becomes durable; a refusal keeps its log row)')
  .option('--keep', 'same as --commit')
  .action(
    action<InstantiateOpts>('instantiate', { acts: true, audit: { recipe: 'instantiate_from_event', mode: (o) => (o.commit || o.keep ? (o.mode === 'live' ? 'live' : 'dry_run') : 'preview') } }, async (run, o) => {
      const tpl = await templateArg(run, o.template);
      if (isRefusal(tpl)) return refused(run, tpl);
      const eventId = o.event?.trim().toLowerCase() === 'new' ? crypto.randomUUID() : o.event;
      if (o.event?.trim().toLowerCase() === 'new' && !run.io.json) run.io.note(`New event id: ${eventId}`);
      const outcome = await instantiateFromEvent(run.ctx!, {
        eventId: eventId as string,
        eventType: o.type,
        templateCollectionId: tpl.id as string,
        uniqueSuffix: o.suffix as string,
        emitMode: o.mode as 'dry_run',
        note: o.note,
        commit: !!(o.commit || o.keep),
      });
      return finish(
        run,
        outcome,
        (res, committed) => renderInstantiate(res, { committed, eventType: o.type, suffix: o.suffix ?? '', template: { id: tpl.id ?? '', key: tpl.key } }),
        { templateKey: tpl.key },
      );
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
  .option('--commit', 'run it for real; without it the run is a preflight that rolls back')
  .option('--items', 'print every item, not only the first few')
  .option('--no-progress', 'no progress output on stderr')
  .action(
    action<BulkOpts>('bulk', { acts: true, audit: { recipe: 'bulk_scale_out', mode: (o) => (o.commit ? (o.mode === 'dry_run' ? 'dry_run' : 'live') : 'preview') } }, async (run, o) => {
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
      let outcome;
      try {
        outcome = await bulkScaleOut(run.ctx!, {
          templateCollectionId: tpl.id,
          n: o.n as BulkInput['n'], // a string; the recipe's schema coerces and checks it
          uuidPrefix: o.prefix as string,
          batchTag: o.batch as string,
          emitMode: o.mode as 'live',
          eventType: o.type,
          note: o.note,
          commit: !!o.commit,
          signal: controller.signal,
          onProgress: progress?.update,
        });
      } finally {
        progress?.stop();
        process.off('SIGINT', onSigint);
      }
      if (!outcome.ok && outcome.status === 'invalid_input' && o.template === undefined && !outcome.issues?.some((i) => i.field === 'templateCollectionId')) {
        // the schema checks the template only once the other fields parse; name it at once
        outcome.issues = [...(outcome.issues ?? []), { field: 'templateCollectionId', message: 'Pick a template (by id, key or family).' }];
      }
      const code = finish(
        run,
        outcome,
        (res, committed) => renderBulk(res, { committed, allItems: !!o.items, templateKey: tpl.key, batchTag: o.batch ?? '' }),
        { templateKey: tpl.key },
      );
      if (outcome.ok) {
        const notOk = outcome.result.total - (outcome.result.counts.ok ?? 0);
        if (notOk > 0) run.io.note(`Note: ${fmtCount(notOk)} of ${fmtCount(outcome.result.total)} items were not ok (${fmtCounts(Object.fromEntries(Object.entries(outcome.result.counts).filter(([k]) => k !== 'ok')))}).`);
      }
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

interface RollbackOpts {
  actor?: string;
  durable?: boolean;
  items?: boolean;
}

program
  .command('rollback-actor')
  .description('roll back every standing instance one actor created (dry run unless --durable)')
  .option('--actor <actor>', 'the actor to roll back, matched exactly (e.g. dana or dana:canary-3)')
  .option('--durable', 'delete the instances for real; without it nothing is written')
  .option('--items', 'list every instance, not only the first few')
  .action(
    action<RollbackOpts>('rollback-actor', { acts: true, audit: { recipe: 'rollback_by_actor', mode: (o) => (o.durable ? 'durable' : 'dry_run') } }, async (run, o) => {
      const outcome = await rollbackByActor(run.ctx!, { actor: o.actor as string, dryRun: !o.durable });
      if (outcome.ok && outcome.result.instanceCount === 0 && !run.io.json && typeof o.actor === 'string') {
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
      return finish(run, outcome, (res, committed) => renderRollback(res, { committed, allItems: !!o.items }));
    }),
  );

// ---- users: the CLI is a local administrator with database access -------------------------

/** The root --reason (see the program's options): the users commands read it from there. */
function reasonGiven(): string | undefined {
  return program.opts<GlobalOpts>().reason;
}

/** Runs a user-admin definition as the CLI user, with the lead's permissions, audited with role 'cli'. */
async function adminCommand<S extends z.ZodType<Record<string, unknown>>>(run: Run, def: ActionDefinition<S, UserAdminResult>, input: Record<string, unknown>): Promise<number> {
  const user = run.ctx!.user;
  const r = await executeAuthorized(def, {
    db: run.db,
    identity: { userId: 'cli', username: user, role: 'lead', mustChangePassword: false, source: 'session' },
    request: { ip: 'cli', userAgent: `iu-cli (${os.hostname()})` },
    auditRole: 'cli',
  }, { ...input, reason: reasonGiven() });
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
  .action(
    action<{ role: string }>('users add', { acts: true }, (run, o) =>
      adminCommand(run, addUserDefinition, { username: run.args[0], role: o.role }),
    ),
  );

users
  .command('set-role <username> <role>')
  .description('set a role: viewer, operator, lead, or none; needs --reason')
  .action(
    action('users set-role', { acts: true }, (run) => adminCommand(run, setRoleDefinition, { username: run.args[0], role: run.args[1] })),
  );

for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
  users
    .command(`${name} <username>`)
    .description(`${disabled ? 'disable a user (signs them out everywhere)' : 'enable a disabled user'}; needs --reason`)
    .action(action(`users ${name}`, { acts: true }, (run) => adminCommand(run, setDisabledDefinition, { username: run.args[0], disabled })));
}

users
  .command('reset-password <username>')
  .description('give a user a new one-time password (printed once); needs --reason')
  .action(action('users reset-password', { acts: true }, (run) => adminCommand(run, resetPasswordDefinition, { username: run.args[0] })));

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

// `iu bulk`: N events in one transaction, a preflight (a plan) unless --commit; progress on
// stderr, Ctrl-C rolls the whole run back.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { fmtCount, fmtCounts } from '@/lib/cli/format';
import { renderBulk } from '@/lib/cli/render';
import { RECIPE_CATALOG } from '../catalog';
import {
  action,
  applyFlags,
  applyInput,
  done,
  isRefusal,
  notDone,
  refused,
  runDefinition,
  sameCommand,
  strayPlanFlags,
  templateArg,
  templateSet,
  type Io,
} from '@/lib/cli/program';
import { bulkScaleOutJobDefinition, type BulkItem, type BulkProgress, type BulkResult } from './recipe';

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

/** Adds this recipe's command to `iu` (scripts/iu.ts calls it for every catalog slug). */
export function register(program: Command): void {
  program
    .command(RECIPE_CATALOG['bulk-scale-out'].cli)
    .alias('bulk-scale-out')
    .description('bulk scale-out: N events in one transaction (preflight that rolls back unless --commit)')
    .option('--template <uuid|key>', 'template collection id, key or family (latest version)')
    .option('--n <N>', 'number of events')
    .option('--prefix <prefix>', 'event-id prefix, hexadecimal: 25000b00- or 25000b00-0000-4000-8000-')
    .option('--batch <tag>', 'batch tag; suffixes are <tag>-001, <tag>-002, …')
    .option('--mode <mode>', 'live or dry_run', 'live')
    .option('--type <event-type>', 'event type', 'template.published')
    .option('--note <note>', 'note stored on every event-log row')
    .option(
      '--commit',
      "apply the preflight's plan (with --plan, --reason, and --confirm <batch tag> for live); without it the run is a preflight that rolls back and makes a plan",
    )
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
          if (
            r.status === 'invalid_input' &&
            o.template === undefined &&
            !r.issues?.some((i) => i.field === 'templateCollectionId')
          ) {
            // the schema checks the template only once the other fields parse; name it at once
            return notDone(
              run,
              {
                ...r,
                issues: [
                  ...(r.issues ?? []),
                  { field: 'templateCollectionId', message: 'Pick a template (by id, key or family).' },
                ],
              },
              raw,
              { templateKey: tpl.key },
            );
          }
          return notDone(run, r, raw, { templateKey: tpl.key });
        }
        const full: BulkResult = { ...(({ itemCount: _n, digest: _d, ...rest }) => rest)(r.result), items };
        const batchTag = (o.batch ?? '').trim();
        const apply = r.plan
          ? sameCommand(run, templateSet(tpl), [
              '--commit',
              ...applyFlags(r.plan.id, full.emitMode === 'live' ? batchTag : null, o.reason),
            ])
          : null;
        const text = renderBulk(full, {
          committed: r.committed,
          allItems: !!o.items,
          templateKey: tpl.key,
          batchTag,
          withPlan: !!apply,
        });
        const code = done(run, r, { text, json: { ...r.result, items }, apply }, { templateKey: tpl.key });
        const notOk = full.total - (full.counts.ok ?? 0);
        if (notOk > 0)
          run.io.note(
            `Note: ${fmtCount(notOk)} of ${fmtCount(full.total)} items were not ok (${fmtCounts(Object.fromEntries(Object.entries(full.counts).filter(([k]) => k !== 'ok')))}).`,
          );
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
}

// `iu instantiate`: one event's instance, a dry run (a plan) unless --commit.
import crypto from 'node:crypto';
import type { Command } from 'commander';
import { renderInstantiate } from '@/lib/cli/render';
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
} from '@/lib/cli/program';
import { definition } from './recipe';

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

/** Adds this recipe's command to `iu` (scripts/iu.ts calls it for every catalog slug). */
export function register(program: Command): void {
  program
    .command(RECIPE_CATALOG['instantiate-from-event'].cli)
    .alias('instantiate-from-event')
    .description('instantiate a template from one event (preview unless --commit)')
    .option('--event <uuid|new>', 'event id; "new" makes a random one')
    .option('--template <uuid|key>', 'template collection id, key (tpl:design-review/v3) or family (latest version)')
    .option('--suffix <suffix>', 'unique suffix of the instance key')
    .option('--type <event-type>', 'event type', 'template.published')
    .option('--mode <mode>', 'dry_run or live', 'dry_run')
    .option('--note <note>', 'note stored in the event log')
    .option(
      '--commit',
      "apply the dry run's plan (with --plan, --reason, and --confirm <instance key> for live): a dry_run instance becomes durable, a live one exists",
    )
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
        const { r, raw } = await runDefinition(run, definition, {
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
          apply = sameCommand(run, set, [
            '--commit',
            ...applyFlags(r.plan.id, res.emitMode === 'live' ? liveKey : null, o.reason),
          ]);
          if (res.emitMode === 'dry_run' && live && live.status === 'ok' && liveKey) {
            alternatives.push({
              label: `Or make it live with the same plan (a live run now would make ${liveKey})`,
              args: sameCommand(run, { ...set, mode: 'live' }, [
                '--commit',
                ...applyFlags(r.plan.id, liveKey, o.reason),
              ]),
            });
          }
        }
        const text = renderInstantiate(res, {
          committed: r.committed,
          eventType: o.type,
          suffix: o.suffix ?? '',
          template: { id: tpl.id ?? '', key: tpl.key },
          withPlan: !!apply,
        });
        return done(run, r, { text, apply, alternatives }, extra);
      }),
    );
}

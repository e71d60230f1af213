// `iu rollback-actor`: every standing instance of one actor, a dry run (a plan) unless --durable.
import type { Command } from 'commander';
import { renderRollback } from '@/lib/cli/render';
import { RECIPE_CATALOG } from '../catalog';
import { action, applyFlags, done, durableOptions, runDurable, sameCommand, type ApplyOpts } from '@/lib/cli/program';
import { definition } from './recipe';

interface RollbackOpts extends ApplyOpts {
  actor?: string;
  durable?: boolean;
  items?: boolean;
}

/** Adds this recipe's command to `iu` (scripts/iu.ts calls it for every catalog slug). */
export function register(program: Command): void {
  const command = program
    .command(RECIPE_CATALOG['rollback-by-actor'].cli)
    .alias('rollback-by-actor')
    .description('roll back every standing instance one actor created (dry run unless --durable)')
    .option('--actor <actor>', 'the actor to roll back, matched exactly (e.g. dana or dana:canary-3)');
  durableOptions(command, 'actor', ': delete exactly the instances it listed; without it nothing is written')
    .option('--items', 'list every instance, not only the first few')
    .action(
      action<RollbackOpts>('rollback-actor', { acts: true }, async (run, o) => {
        const r = await runDurable(run, o, definition, {
          targetActor: o.actor,
          ...(o.items ? { allInstances: true } : {}),
        });
        if (typeof r === 'number') return r;
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
          if (similar.length)
            run.io.note(
              `Actors with standing instances that look alike: ${similar.map((s) => `${s.triggered_by} (${s.n})`).join(', ')}.`,
            );
        }
        const apply =
          r.plan && r.result.instanceCount > 0
            ? sameCommand(run, {}, ['--durable', ...applyFlags(r.plan.id, r.result.actor, o.reason)])
            : null;
        return done(run, r, { text: renderRollback(r.result, { committed: r.committed, allItems: !!o.items }), apply });
      }),
    );
}

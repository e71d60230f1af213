// `iu rollback-batch`: one bulk job's batch, a dry run (a plan) unless --durable.
import type { Command } from 'commander';
import { RECIPE_CATALOG } from '../catalog';
import { action, applyFlags, done, durableOptions, runDurable, sameCommand, type ApplyOpts } from '@/lib/cli/program';
import { definition } from './recipe';

interface RollbackBatchOpts extends ApplyOpts {
  job?: string;
  durable?: boolean;
}

/** Adds this recipe's command to `iu` (scripts/iu.ts calls it for every catalog slug). */
export function register(program: Command): void {
  const command = program
    .command(RECIPE_CATALOG['rollback-batch'].cli)
    .description(
      "roll back one bulk job's batch (dry run unless --durable); refused when its actor has other instances",
    )
    .option('--job <id>', 'the bulk job whose batch to roll back');
  durableOptions(command, 'batch tag').action(
    action<RollbackBatchOpts>('rollback-batch', { acts: true }, async (run, o) => {
      const r = await runDurable(run, o, definition, { jobId: o.job });
      if (typeof r === 'number') return r;
      const res = r.result;
      const text = [
        `${res.dryRun ? 'Dry run: rolling back' : 'Rolled back'} batch ${res.batchTag} (${res.actor}, job ${res.jobId}): ${res.instanceCount} instance(s)${res.dryRun ? ' would go; nothing was written' : ''}.`,
        ...Object.entries(res.byTemplate).map(([k, n]) => `  ${k}: ${n}`),
      ].join('\n');
      const apply =
        r.plan && res.instanceCount > 0
          ? sameCommand(run, {}, ['--durable', ...applyFlags(r.plan.id, res.batchTag, o.reason)])
          : null;
      return done(run, r, { text, apply });
    }),
  );
}

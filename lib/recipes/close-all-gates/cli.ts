// `iu gates`: the four gates, read-only; with --close-all, a lead's preview of closing the open
// ones (a plan) and, with --plan, the close itself.
import type { Command } from 'commander';
import { readGates, refuse } from '@/lib/recipes';
import { gateLeakLine, renderGates } from '@/lib/cli/render';
import {
  action,
  applyFlags,
  applyInput,
  done,
  notDone,
  refused,
  runDefinition,
  sameCommand,
  type ApplyOpts,
} from '@/lib/cli/program';
import { EXIT } from '@/lib/cli/errors';
import { RECIPE_CATALOG } from '../catalog';
import { CLOSE_GATES_PHRASE, definition } from './recipe';

interface GatesOpts extends ApplyOpts {
  closeAll?: boolean;
}

/** Adds this recipe's command to `iu` (scripts/iu.ts calls it for every catalog slug). */
export function register(program: Command): void {
  program
    .command(RECIPE_CATALOG['close-all-gates'].cli)
    .description(
      'show the four iu_core gates; --close-all previews closing the open ones and prints the plan that closes them',
    )
    .option(
      '--close-all',
      'close every open iu_core gate (a lead fixing a gate leak): a preview and its plan, or with --plan the close itself',
    )
    .option('--plan <id>', 'with --close-all: the plan (from the preview) to apply')
    .option('--confirm <text>', `with --close-all --plan: the typed confirmation, '${CLOSE_GATES_PHRASE}'`)
    .option('--reason <text>', 'with --close-all --plan: why (recorded in the audit trail)')
    .action(
      action<GatesOpts>('gates', { acts: true }, async (run, o) => {
        if (!o.closeAll) {
          const stray = (['plan', 'confirm', 'reason'] as const).filter((k) => o[k] !== undefined);
          if (stray.length) {
            const message = `--${stray.join(', --')} belong${stray.length === 1 ? 's' : ''} to --close-all; gates alone only shows the gates.`;
            return refused(
              run,
              refuse('invalid_input', {
                message: `Nothing was run: ${message}`,
                issues: [
                  {
                    field: stray[0] === 'plan' ? 'planId' : stray[0] === 'confirm' ? 'confirmText' : 'reason',
                    message,
                  },
                ],
              }),
            );
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
        const { r, raw } = await runDefinition(run, definition, {
          preview: !applying,
          ...(applying ? applyInput(o) : { reason: o.reason }),
        });
        if (!r.ok) return notDone(run, r, raw);
        const gates = await readGates(run.db);
        const text = [`Database: ${run.db.label}`];
        if (r.committed)
          text.push(
            r.result.length
              ? `Closed ${r.result.join(', ')} (as ${run.ctx!.user}).`
              : 'No gate was open; nothing changed.',
          );
        else
          text.push(
            r.result.length
              ? `Open now, and closed by the plan below: ${r.result.join(', ')}.`
              : 'No gate is open; there is nothing to close.',
          );
        text.push(renderGates(gates));
        if (r.committed) text.push(gateLeakLine(gates) ?? 'All gates are closed.');
        const apply = r.result.length
          ? sameCommand(run, {}, ['--close-all', ...applyFlags(r.plan!.id, CLOSE_GATES_PHRASE, o.reason)])
          : null;
        return done(
          run,
          r,
          { text: text.join('\n'), apply },
          { gates, ...(r.committed ? { closed: r.result } : { open: r.result }) },
        );
      }),
    );
}

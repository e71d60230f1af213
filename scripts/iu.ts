// npm run iu -- <command>: the operator's command line over the recipe engine.
//
// Every recipe runs through the console's action wrapper (executeAuthorized with the recipe's
// definition from lib/recipes/<recipe>/): the same role, reason and plan rules and the same
// audit trail (role 'cli'). A preview makes a plan and prints the exact command that applies
// it; the apply names it (--plan, --confirm, --reason). Each recipe's command lives in its
// folder (lib/recipes/<slug>/cli.ts, which exports register(program)) and is found by the
// slugs of lib/recipes/catalog.ts, where its name comes from too. The acting user is IU_USER or
// the OS user, never a flag. Exit codes: 0 done, 2 refused (bad input included), 1 unexpected
// error. With --json, stdout carries exactly one JSON document; progress and notes go to stderr.
import { Command } from 'commander';
import { EXIT, ignoreClosedStdout } from '@/lib/cli/errors';
import { registerApprovalsCommands } from '@/lib/cli/approvals-commands';
import { registerStatusCommand } from '@/lib/cli/status-command';
import { registerUsersCommands } from '@/lib/cli/users-commands';
import { RECIPE_SLUGS } from '@/lib/recipes/catalog';
import { describeError } from '@/lib/errors';
import { logTo } from '@/lib/log/logger';

ignoreClosedStdout();
// log lines (a bulk job's start and end) go to stderr: with --json, stdout is the one result
logTo(process.stderr);

const program = new Command()
  .name('iu')
  .description(
    'Operator command line for iu_core: gates, status, compose, instantiate, bulk, rollback-actor.\nActs as IU_USER or the OS user. Exit codes: 0 done, 2 refused, 1 error.',
  )
  .option('--json', 'print one machine-readable JSON result on stdout, nothing else')
  .option('--tag <run-tag>', 'run tag: the recorded actor becomes <user>:<run-tag>')
  .showHelpAfterError()
  .addHelpText('after', '\nPGlite (.data/pglite or IU_PGLITE_DIR) by default; PostgreSQL when DATABASE_URL is set.');

registerStatusCommand(program);
// every recipe's command from its folder, in catalog order: a new recipe needs no line here
for (const slug of RECIPE_SLUGS) {
  const cli: { register?: (program: Command) => void } = await import(`../lib/recipes/${slug}/cli.ts`);
  if (!cli.register) throw new Error(`lib/recipes/${slug}/cli.ts must export register(program).`);
  cli.register(program);
}
registerUsersCommands(program);
registerApprovalsCommands(program);

program.parseAsync().catch((err) => {
  process.stderr.write(`Error: ${describeError(err)}\n`);
  process.exitCode = EXIT.error;
});

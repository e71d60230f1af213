// npm run iu -- <command>: the operator's command line over the recipe engine.
//
// Every recipe runs through the console's action wrapper (executeAuthorized with the recipe's
// definition from lib/recipes/<recipe>/): the same role, reason and plan rules and the same
// audit trail (role 'cli'). A preview makes a plan and prints the exact command that applies
// it; the apply names it (--plan, --confirm, --reason). Each recipe's command lives in its
// folder (cli.ts); its name comes from lib/recipes/catalog.ts. The acting user is IU_USER or
// the OS user, never a flag. Exit codes: 0 done, 2 refused (bad input included), 1 unexpected
// error. With --json, stdout carries exactly one JSON document; progress and notes go to stderr.
import { Command } from 'commander';
import { EXIT, ignoreClosedStdout } from '@/lib/cli/errors';
import { registerApprovalsCommands } from '@/lib/cli/approvals-commands';
import { registerStatusCommand } from '@/lib/cli/status-command';
import { registerUsersCommands } from '@/lib/cli/users-commands';
import { registerBulkCommand } from '@/lib/recipes/bulk-scale-out/cli';
import { registerGatesCommand } from '@/lib/recipes/close-all-gates/cli';
import { registerComposeCommand } from '@/lib/recipes/compose-template-version/cli';
import { registerInstantiateCommand } from '@/lib/recipes/instantiate-from-event/cli';
import { registerRollbackBatchCommand } from '@/lib/recipes/rollback-batch/cli';
import { registerRollbackCommand } from '@/lib/recipes/rollback-by-actor/cli';
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

for (const register of [
  registerGatesCommand,
  registerStatusCommand,
  registerComposeCommand,
  registerInstantiateCommand,
  registerBulkCommand,
  registerRollbackCommand,
  registerRollbackBatchCommand,
  registerUsersCommands,
  registerApprovalsCommands,
]) {
  register(program);
}

program.parseAsync().catch((err) => {
  process.stderr.write(`Error: ${describeError(err)}\n`);
  process.exitCode = EXIT.error;
});

// `iu users …`: console accounts. The CLI is a local administrator with database access: it
// runs the same user-admin actions as the users page, as the CLI user with the lead's role,
// audited with role 'cli'.
import type { Command } from 'commander';
import type { z } from 'zod';
import type { ActionDefinition } from '@/lib/auth/authorize';
import { writeAudit } from '@/lib/auth/audit';
import { bootstrapLead, listUsers, UserAdminError } from '@/lib/auth/users';
import {
  addUserDefinition,
  resetPasswordDefinition,
  setDisabledDefinition,
  setRoleDefinition,
  type UserAdminResult,
} from '@/lib/auth/user-actions';
import { refuse } from '@/lib/recipes';
import { EXIT } from './errors';
import { table } from './format';
import { action, refused, runAdmin, type Run } from './program';
import { cliUserName } from './user';

/** Runs a user-admin definition as the CLI user, with the lead's permissions, audited with role 'cli'. */
async function adminCommand<S extends z.ZodType<Record<string, unknown>>>(
  run: Run,
  def: ActionDefinition<S, UserAdminResult>,
  input: Record<string, unknown>,
): Promise<number> {
  const r = await runAdmin(run, def, input);
  if (typeof r === 'number') return r;
  run.io.out(`${r.result.username}: role ${r.result.role ?? 'none'}, ${r.result.disabled ? 'disabled' : 'enabled'}`);
  if (r.result.oneTimePassword)
    run.io.out(`One-time password (shown once; must be changed at first sign-in): ${r.result.oneTimePassword}`);
  return EXIT.ok;
}

export function registerUsersCommands(program: Command): void {
  const users = program
    .command('users')
    .description('console accounts: list, add, disable, enable, set-role, reset-password, bootstrap');

  users
    .command('list')
    .description('every console account with its role and state')
    .action(
      action('users list', { acts: false }, async (run) => {
        const list = await listUsers(run.db.orm);
        run.io.result({ command: run.command, users: list });
        run.io.out(
          list.length
            ? table(
                ['user', 'role', 'state', 'source'],
                list.map((u) => [
                  u.username,
                  u.role ?? 'none',
                  u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active',
                  u.source,
                ]),
              )
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

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <username>`)
      .description(
        `${disabled ? 'disable a user (signs them out everywhere)' : 'enable a disabled user'}; needs --reason`,
      )
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
    .description(
      'when there is no account yet: make lead admin (IU_ADMIN_PASSWORD, or a one-time password printed here)',
    )
    .action(
      action('users bootstrap', { acts: false }, async (run) => {
        let r: Awaited<ReturnType<typeof bootstrapLead>>;
        try {
          r = await bootstrapLead(run.db);
        } catch (err) {
          if (!(err instanceof UserAdminError)) throw err;
          // a weak IU_ADMIN_PASSWORD: refused, recorded, and npm start stops on the exit code
          await writeAudit(run.db.orm, {
            startedAt: new Date(),
            username: cliUserName(),
            role: 'cli',
            recipe: 'user_bootstrap',
            params: {},
            mode: 'admin',
            decision: 'refused',
            status: 'weak_password',
            summary: err.message,
            actor: null,
            reason: 'first start',
            ip: 'cli',
            userAgent: 'iu-cli',
            committed: false,
          });
          return refused(
            run,
            refuse('invalid_input', {
              message: err.message,
              issues: [{ field: 'IU_ADMIN_PASSWORD', message: err.message }],
            }),
          );
        }
        run.io.result({ command: run.command, ...r });
        if (!r.created) {
          run.io.out('Console accounts exist already; nothing to do.');
          return EXIT.ok;
        }
        await writeAudit(run.db.orm, {
          startedAt: new Date(),
          username: cliUserName(),
          role: 'cli',
          recipe: 'user_bootstrap',
          params: { username: r.username },
          mode: 'admin',
          decision: 'ok',
          status: 'ok',
          summary: `made the first lead, ${r.username}${r.oneTimePassword ? ' (one-time password)' : ' (IU_ADMIN_PASSWORD)'}`,
          actor: null,
          reason: 'first start',
          ip: 'cli',
          userAgent: 'iu-cli',
          committed: true,
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
}

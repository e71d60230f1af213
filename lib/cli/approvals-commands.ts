// `iu requests`, `iu approve`, `iu reject`: approval requests from the command line, through
// the same wrapper as the pages (the CLI user acts with the lead's role, audited as 'cli').
import type { Command } from 'commander';
import type { z } from 'zod';
import { executeAuthorized, type ActionDefinition } from '@/lib/auth/authorize';
import {
  approveRequestDefinition,
  rejectRequestDefinition,
  requestApprovalDefinition,
  type ApprovalActionResult,
} from '@/lib/approvals/actions';
import { applyRequest } from '@/lib/approvals/apply';
import { runBulkJob, waitForBulkJob } from '@/lib/bulk/jobs';
import { recheckRequest } from '@/lib/approvals/recheck';
import { listApprovalRequests } from '@/lib/approvals/requests';
import { EXIT } from './errors';
import { table } from './format';
import { action, cliCaller, runAdmin, type Run } from './program';

const STATUSES = ['open', 'pending', 'approved', 'rejected', 'applied', 'stale'];

async function decide<S extends z.ZodType<Record<string, unknown>>>(
  run: Run,
  def: ActionDefinition<S, ApprovalActionResult>,
  input: Record<string, unknown>,
): Promise<number> {
  const r = await runAdmin(run, def, input);
  if (typeof r === 'number') return r;
  const x = r.result;
  run.io.out(
    `Request #${x.requestId} (plan #${x.planId}, ${x.recipe} by ${x.requester}) is ${x.status}` +
      (x.approvers.length ? `; approved by ${x.approvers.join(', ')}.` : '.'),
  );
  return EXIT.ok;
}

export function registerApprovalsCommands(program: Command): void {
  const requests = program
    .command('requests')
    .description('approval requests: list (default), create, recheck, apply')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`, 'open')
    .action(
      action<{ status: string }>('requests', { acts: false }, async (run, o) => {
        if (!STATUSES.includes(o.status)) {
          const message = `--status must be one of ${STATUSES.join(', ')}.`;
          run.io.result({ command: run.command, ok: false, status: 'invalid_input', message });
          run.io.note(`Refused: ${message}`);
          return EXIT.refused;
        }
        const list = await listApprovalRequests(run.db.orm, { status: o.status as never });
        run.io.result({ command: run.command, requests: list });
        run.io.out(
          list.length
            ? table(
                ['#', 'plan', 'recipe', 'mode', 'requester', 'status', 'approvers', 'needs'],
                list.map((r) => [
                  String(r.id),
                  String(r.planId),
                  r.recipe,
                  r.mode,
                  r.requester,
                  r.status,
                  r.approvers.join(', ') || '-',
                  `${r.approversNeeded} ${r.minRole}`,
                ]),
              )
            : `No ${o.status} approval requests.`,
        );
        return EXIT.ok;
      }),
    );

  requests
    .command('create')
    .description('request approval for one of your plans; needs --plan and --reason')
    .requiredOption('--plan <id>', 'the plan its preview printed')
    .option('--reason <text>', 'why (shown to the approvers)')
    .option('--mode <mode>', 'live or dry_run: which apply of an instantiate dry run (live, or kept) to ask for')
    .action(
      action<{ plan: string; reason?: string; mode?: string }>('requests create', { acts: true }, async (run, o) => {
        const r = await executeAuthorized(requestApprovalDefinition, cliCaller(run), {
          planId: o.plan,
          reason: o.reason,
          ...(o.mode === undefined ? {} : { mode: o.mode }),
        });
        run.io.result({ command: run.command, database: run.db.label, ...r });
        if (!r.ok) {
          run.io.note(`Refused (${r.status}): ${r.message}`);
          return EXIT.refused;
        }
        run.io.out(
          `Requested approval #${r.result.requestId} for plan #${r.result.planId} (${r.result.mode}): ${r.result.rule}.`,
        );
        return EXIT.ok;
      }),
    );

  requests
    .command('recheck <id>')
    .description("run a request's plan again as a preview (rolled back) and show any drift")
    .action(
      action('requests recheck', { acts: true }, async (run) => {
        // an unknown or malformed id is refused by the wrapper, with its audit row
        const r = await recheckRequest(cliCaller(run), run.args[0]);
        run.io.result({ command: run.command, database: run.db.label, ...r });
        if (!r.ok) {
          run.io.note(`Refused (${r.status}): ${r.message}`);
          return EXIT.refused;
        }
        run.io.out(r.message);
        return r.drift ? EXIT.refused : EXIT.ok;
      }),
    );

  requests
    .command('apply <id>')
    .description("apply your approved request's plan; needs --confirm and --reason (a lead may add --break-glass)")
    .option('--confirm <text>', 'the text the plan asks for (batch tag, actor, version key)')
    .option('--reason <text>', 'why')
    .option('--break-glass', 'apply without the approval (leads only; flagged in the audit trail)')
    .action(
      action<{ confirm?: string; reason?: string; breakGlass?: boolean }>(
        'requests apply',
        { acts: true },
        async (run, o) => {
          const id = run.args[0];
          const r = await applyRequest(cliCaller(run), id, {
            reason: o.reason,
            confirmText: o.confirm,
            ...(o.breakGlass ? { breakGlass: true } : {}),
          });
          if (!r.ok) {
            run.io.result({ command: run.command, database: run.db.label, ...r });
            run.io.note(`Refused (${r.result.status}): ${r.result.message}`);
            return EXIT.refused;
          }
          if (!r.jobId) {
            run.io.result({ command: run.command, database: run.db.label, ...r });
            run.io.out(`Applied request #${id}: ${r.result.message}`);
            return EXIT.ok;
          }
          // a bulk is queued as a job: this process runs it (on PGlite it is running here
          // already) and waits for its end, so the database is not closed under the run
          if (run.db.kind === 'postgres') await runBulkJob(run.db, r.jobId);
          const job = await waitForBulkJob(run.db, r.jobId, 24 * 3_600_000);
          const committed = job?.status === 'succeeded' && job.committed;
          run.io.result({ command: run.command, database: run.db.label, ...r, ok: committed, job });
          const said = `Bulk job ${r.jobId} (request #${id}) ${job ? `ended ${job.status}: ${job.message}` : 'did not end'}`;
          if (committed) run.io.out(said);
          else run.io.note(said);
          return committed ? EXIT.ok : job && ['refused', 'cancelled'].includes(job.status) ? EXIT.refused : EXIT.error;
        },
      ),
    );

  program
    .command('approve <id>')
    .description('approve an approval request (not your own); needs --reason')
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .action(
      action<{ reason?: string }>('approve', { acts: true }, (run, o) =>
        decide(run, approveRequestDefinition, { requestId: run.args[0], reason: o.reason }),
      ),
    );

  program
    .command('reject <id>')
    .description('reject an approval request (not your own); needs --reason')
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .action(
      action<{ reason?: string }>('reject', { acts: true }, (run, o) =>
        decide(run, rejectRequestDefinition, { requestId: run.args[0], reason: o.reason }),
      ),
    );
}

// A preview's plan on the command line: the exact command that applies it, ready to copy.
// Pure functions, tested without a database.
import type { PlanView } from '@/lib/auth/plans';

/** One argument as a POSIX shell reads it back unchanged. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line a person types: npm run iu -- <args>. */
export function iuCommandLine(args: readonly string[]): string {
  return ['npm', 'run', 'iu', '--', ...args].map(shellQuote).join(' ');
}

/** Whole minutes until the plan expires (0 once it has). */
export function minutesLeft(plan: Pick<PlanView, 'expiresAt'>, now = Date.now()): number {
  return Math.max(0, Math.round((Date.parse(plan.expiresAt) - now) / 60_000));
}

/** "Plan #12 (expires in 30 min). To apply it:" and the command, plus any alternatives. */
export function renderPlan(
  plan: Pick<PlanView, 'id' | 'expiresAt'>,
  apply: readonly string[],
  alternatives: { label: string; args: readonly string[] }[] = [],
  now = Date.now(),
): string {
  const lines = [
    `Plan #${plan.id} (expires in ${minutesLeft(plan, now)} min). To apply it:`,
    `  ${iuCommandLine(apply)}`,
  ];
  for (const a of alternatives) lines.push(`${a.label}:`, `  ${iuCommandLine(a.args)}`);
  if (apply.includes('…')) lines.push("Replace '…' with why you are doing it (it is recorded in the audit trail).");
  return lines.join('\n');
}

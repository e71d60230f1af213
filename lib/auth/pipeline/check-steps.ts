// Steps before anything runs: the mode for the audit row, the role check, and the input's
// parse and reason rule. Each answers a value (a sentence or issues), never throws.
import type { z } from 'zod';
import type { FieldIssue, RecipeResult } from '@/lib/recipes/types';
import { UnreadableBody, type ActionDefinition } from '../action-types';
import { tokenDenial } from '../api-tokens';
import type { AuditMode } from '../audit';
import type { Identity } from '../identity';
import { screenInput } from '../input-guard';
import { hasRole, type Role, ROLE_DESCRIPTIONS } from '../roles';

/** The mode of an input for the audit row; a mode rule that cannot read a bad input says preview. */
export function modeOf(
  def: { mode: (v: Record<string, unknown>) => AuditMode },
  v: Record<string, unknown>,
): AuditMode {
  try {
    return def.mode(v);
  } catch {
    return 'preview';
  }
}

/** Step: the role check (and the one-time password that must be changed first); a sentence when denied. */
export function denial(def: { name: string; role: Role }, who: Identity): string | null {
  const byToken = tokenDenial(def, who);
  if (byToken) return byToken;
  if (who.mustChangePassword)
    return 'You signed in with a one-time password; choose your own password first (/account/password). Nothing was run.';
  if (hasRole(who.role, def.role)) return null;
  return who.role
    ? `Your role (${who.role}) cannot do this; it needs ${def.role} (${ROLE_DESCRIPTIONS[def.role]}). Nothing was run.`
    : 'You have no role yet, so you cannot do anything here; ask a lead to give you one.';
}

/** Step: parse (hostile characters first, then the schema) and the reason rule; the issues when refused. */
export function parseInput<S extends z.ZodType<Record<string, unknown>>, T>(
  def: ActionDefinition<S, T>,
  raw: unknown,
  input: Record<string, unknown>,
):
  | { data: z.output<S> & { reason?: string; runTag?: string } }
  | { issues: FieldIssue[]; parsed: Record<string, unknown> | null } {
  if (raw instanceof UnreadableBody) {
    return {
      issues: [
        {
          field: 'input',
          message: `The request body is not a JSON object (${raw.why}); send one with Content-Type: application/json.`,
        },
      ],
      parsed: null,
    };
  }
  const parsed = screenInput(input) ?? def.input.safeParse(input);
  if (!parsed.success)
    return {
      issues: parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message })),
      parsed: null,
    };
  const data = parsed.data as z.output<S> & { reason?: string; runTag?: string };
  if (def.reasonRequired?.(data) && !data.reason) {
    return {
      issues: [{ field: 'reason', message: 'A reason is required for this; say why you are doing it.' }],
      parsed: data,
    };
  }
  return { data };
}

/** The one-line summary of an outcome for the audit row; a summarizer that throws falls back to the status. */
export function summaryOf<T>(def: { summarize?: (o: RecipeResult<T>) => string }, o: RecipeResult<T>): string {
  try {
    return def.summarize?.(o) ?? (o.ok ? o.status : `${o.status}: ${o.message}`);
  } catch {
    return o.status;
  }
}

// The approval policy (migration 050): which applies need approval, by how many people of
// which role, and when. Read inside the apply's pipeline and on the policy page.
import { and, asc, eq } from 'drizzle-orm';
import type { Orm } from '@/db/client';
import {
  consoleApprovalPolicy,
  consoleFamilyMark,
  type ApprovalMode,
  type ApprovalPolicyRow,
  type ApproverRole,
} from '@/db/approvals-schema';
import { recipeMetaOf } from '@/lib/recipes/catalog';
import type { Tx } from '@/lib/recipes/types';

export type Reader = Orm | Tx;

/** What an apply needs before it runs, when the policy asks for approval. */
export interface ApprovalRule {
  recipe: string;
  mode: ApprovalMode;
  approvers: number;
  minRole: ApproverRole;
  /** The policy line in words: "a live bulk of 1,000 items or more needs 1 approval by an operator or lead". */
  sentence: string;
}

/** A mode in the policy's words: "a live run of …", "a kept dry run of …". */
export const MODE_WORDS: Record<ApprovalMode, string> = {
  live: 'live run',
  durable: 'durable run',
  dry_run: 'kept dry run',
};

/** A recipe's name in the policy's sentences, from the catalog. */
export const recipeWords = (recipe: string): string =>
  recipeMetaOf(recipe)?.approval?.words ?? recipe.replaceAll('_', ' ');

const whoWords = (n: number, role: ApproverRole) =>
  `${n} approval${n === 1 ? '' : 's'} by ${role === 'lead' ? 'a lead' : 'an operator or lead'} other than the requester`;

/** A policy row in words, for the page, the README and refusals. */
export function describeRule(
  r: Pick<ApprovalPolicyRow, 'recipe' | 'mode' | 'required' | 'approvers' | 'minRole' | 'condition' | 'threshold'>,
): string {
  const what = `a ${MODE_WORDS[r.mode]} of ${recipeWords(r.recipe)}`;
  if (!r.required) return `${what} needs no approval`;
  const when =
    r.condition === 'bulk_items_at_least'
      ? ` of ${(r.threshold ?? 1).toLocaleString('en')} items or more`
      : r.condition === 'critical_family'
        ? ' of a family marked critical'
        : '';
  return `${what}${when} needs ${whoWords(r.approvers, r.minRole)}`;
}

export async function listPolicy(db: Reader): Promise<ApprovalPolicyRow[]> {
  return db
    .select()
    .from(consoleApprovalPolicy)
    .orderBy(asc(consoleApprovalPolicy.recipe), asc(consoleApprovalPolicy.mode));
}

/** Whether a family (tpl:<name>, or the bare name) is marked critical. */
export async function isCriticalFamily(db: Reader, family: string): Promise<boolean> {
  const key = family.startsWith('tpl:') ? family : `tpl:${family}`;
  const [row] = await db
    .select({ critical: consoleFamilyMark.critical })
    .from(consoleFamilyMark)
    .where(eq(consoleFamilyMark.family, key));
  return row?.critical ?? false;
}

export async function listCriticalFamilies(db: Reader): Promise<string[]> {
  const rows = await db
    .select({ family: consoleFamilyMark.family })
    .from(consoleFamilyMark)
    .where(eq(consoleFamilyMark.critical, true))
    .orderBy(asc(consoleFamilyMark.family));
  return rows.map((r) => r.family);
}

/**
 * The approval an apply of `recipe` in `mode` with the plan's `params` needs, or null when it
 * needs none. The plan's parameters decide the conditions (a bulk's n, a compose's family).
 */
export async function approvalRuleFor(
  db: Reader,
  recipe: string,
  mode: string,
  params: Record<string, unknown>,
): Promise<ApprovalRule | null> {
  const [row] = await db
    .select()
    .from(consoleApprovalPolicy)
    .where(and(eq(consoleApprovalPolicy.recipe, recipe), eq(consoleApprovalPolicy.mode, mode as ApprovalMode)));
  if (!row?.required) return null;
  if (row.condition === 'bulk_items_at_least' && !(Number(params.n) >= (row.threshold ?? 1))) return null;
  if (row.condition === 'critical_family') {
    if (typeof params.family !== 'string' || !(await isCriticalFamily(db, params.family))) return null;
  }
  return {
    recipe,
    mode: row.mode,
    approvers: row.approvers,
    minRole: row.minRole,
    sentence: describeRule(row),
  };
}

/**
 * The mode a plan's apply runs in, from the catalog's fact about the recipe and the plan's
 * parameters: a bulk's emit mode, a rollback's durable run, a compose's live run. Null for a
 * recipe whose apply is never subject to approval (closing gates). An instantiate dry run's
 * plan names no mode (it is applied live or kept): applyModesOf below gives both.
 */
export function applyModeOf(recipe: string, params: Record<string, unknown>): ApprovalMode | null {
  switch (recipeMetaOf(recipe)?.approval?.apply) {
    case 'emit_mode':
      return params.emitMode === 'dry_run' ? 'dry_run' : 'live';
    case 'durable':
      return 'durable';
    case 'live':
      return 'live';
    default:
      return null;
  }
}

/**
 * The modes a plan's apply may run in, each with a policy line of its own: the one the plan
 * names (a rollback's durable run, a bulk's emitMode), or, for a plan that names none while
 * its recipe has a line for both a live run and a kept dry run, both: an instantiate dry run
 * is applied live or kept, as the person chooses when applying.
 */
export async function applyModesOf(
  db: Reader,
  recipe: string,
  params: Record<string, unknown>,
): Promise<ApprovalMode[]> {
  const named = applyModeOf(recipe, params);
  if (!named || named === 'durable' || params.emitMode !== undefined) return named ? [named] : [];
  const lines = await db
    .select({ mode: consoleApprovalPolicy.mode })
    .from(consoleApprovalPolicy)
    .where(eq(consoleApprovalPolicy.recipe, recipe));
  const modes = (['live', 'dry_run'] as const).filter((m) => lines.some((l) => l.mode === m));
  return modes.length ? modes : [named];
}

/** One apply mode of a plan and what the policy asks of it (null: nothing). */
export interface ModeRule {
  mode: ApprovalMode;
  rule: ApprovalRule | null;
}

/** What the policy asks of each mode a plan's apply may run in. */
export async function approvalRulesFor(
  db: Reader,
  recipe: string,
  params: Record<string, unknown>,
): Promise<ModeRule[]> {
  const out: ModeRule[] = [];
  for (const mode of await applyModesOf(db, recipe, params))
    out.push({ mode, rule: await approvalRuleFor(db, recipe, mode, params) });
  return out;
}

/**
 * The policy for one plan in one sentence, true of every way it may be applied: "a live run of
 * instantiate needs 1 approval by …; a kept dry run of instantiate needs none". Null when no
 * apply of it needs approval.
 */
export function describeNeed(recipe: string, rules: ModeRule[]): string | null {
  const needing = rules.flatMap((r) => (r.rule ? [r.rule.sentence] : []));
  if (!needing.length) return null;
  const free = rules.filter((r) => !r.rule).map((r) => `a ${MODE_WORDS[r.mode]} of ${recipeWords(recipe)} needs none`);
  return [needing.join(', and '), ...free].join('; ');
}

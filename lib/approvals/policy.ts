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

const MODE_WORDS: Record<ApprovalMode, string> = { live: 'live run', durable: 'durable run', dry_run: 'kept dry run' };

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
 * parameters: a bulk's emit mode, a rollback's durable run, a compose's or an instantiate's
 * live run. Null for a recipe whose apply is never subject to approval (closing gates).
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

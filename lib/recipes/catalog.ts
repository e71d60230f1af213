// The one list of the console's recipes, safe for the browser: each recipe's one name (its
// slug) and what is derived from it. The route is /api/recipes/<slug>, the audit trail's
// recipe is the slug with underscores, the CLI command is `cli` (the slug is its alias), the
// navigation entry is `title` → `page` for `role` and up, and `approval` says how the approval
// policy covers its apply (lib/approvals reads it there). Each slug is a folder,
// lib/recipes/<slug>/, whose recipe.ts exports the definition and cli.ts the command; the
// server finds them by the slug (load-definition.ts; its test fails for a slug without one).
import type { Role } from '@/lib/auth/roles';

export interface RecipeMeta {
  /** The navigation label and the page's heading. */
  title: string;
  /** The console page that runs it. */
  page: string;
  /** The lowest role allowed to run it (the wrapper enforces it; the navigation shows it). */
  role: Role;
  /** The CLI's short command for it. */
  cli: string;
  /** Whether it has its own navigation entry (close-all-gates lives on the gates page). */
  nav: boolean;
  /**
   * How its apply is asked for, which decides its line in the approval policy (050, 056), or
   * null for a recipe whose apply never waits for approval (closing gates, the emergency exit).
   * Every recipe says it here, so a new one cannot miss the policy (tests/approvals.test.ts).
   */
  approval: RecipeApproval | null;
}

export interface RecipeApproval {
  /**
   * 'durable': a dry run, then the same input with `durable` (policy mode durable). 'live': a
   * preview, then the same input without `preview` (mode live). 'emit_mode': as 'live', in the
   * plan's emitMode (a live run, or a kept dry run).
   */
  apply: 'durable' | 'live' | 'emit_mode';
  /** Its name in the policy's sentences: "a durable run of batch rollback needs …". */
  words: string;
}

export const RECIPE_CATALOG = {
  'compose-template-version': {
    title: 'New version',
    page: '/compose',
    role: 'operator',
    cli: 'compose',
    nav: true,
    approval: { apply: 'live', words: 'new template version' },
  },
  'instantiate-from-event': {
    title: 'Instantiate',
    page: '/instantiate',
    role: 'operator',
    cli: 'instantiate',
    nav: true,
    approval: { apply: 'live', words: 'instantiate' },
  },
  'bulk-scale-out': {
    title: 'Bulk scale-out',
    page: '/bulk',
    role: 'operator',
    cli: 'bulk',
    nav: true,
    approval: { apply: 'emit_mode', words: 'bulk scale-out' },
  },
  'rollback-by-actor': {
    title: 'Rollback by actor',
    page: '/rollback',
    role: 'lead',
    cli: 'rollback-actor',
    nav: true,
    approval: { apply: 'durable', words: 'rollback by actor' },
  },
  'close-all-gates': {
    title: 'Close all gates',
    page: '/gates',
    role: 'lead',
    cli: 'gates',
    nav: false,
    approval: null,
  },
  // operators roll back their own batches, leads anyone's (checked in the recipe); on the bulk job page
  'rollback-batch': {
    title: 'Roll back a batch',
    page: '/bulk',
    role: 'operator',
    cli: 'rollback-batch',
    nav: false,
    approval: { apply: 'durable', words: 'batch rollback' },
  },
} as const satisfies Record<string, RecipeMeta>;

export type RecipeSlug = keyof typeof RECIPE_CATALOG;

export const RECIPE_SLUGS = Object.keys(RECIPE_CATALOG) as RecipeSlug[];

/** The name the audit trail records for a recipe: its slug with underscores. */
export const auditNameOf = (slug: RecipeSlug): string => slug.replaceAll('-', '_');

export const isRecipeSlug = (s: string): s is RecipeSlug => Object.hasOwn(RECIPE_CATALOG, s);

/** The catalog entry of an audit name (rollback_batch → rollback-batch), or null. */
export function recipeMetaOf(recipe: string): RecipeMeta | null {
  const slug = recipe.replaceAll('_', '-');
  return isRecipeSlug(slug) ? RECIPE_CATALOG[slug] : null;
}

/** The audit names of the recipes the approval policy covers, in catalog order. */
export const APPROVABLE_RECIPES = RECIPE_SLUGS.filter((s) => RECIPE_CATALOG[s].approval !== null).map(auditNameOf);

// The one list of the console's recipes, safe for the browser: each recipe's one name (its
// slug) and what is derived from it. The route is /api/recipes/<slug>, the audit trail's
// recipe is the slug with underscores, the CLI command is `cli` (the slug is its alias), the
// navigation entry is `title` → `page` for `role` and up. The server's registry
// (lib/recipes/registry.ts) must name a definition for every slug here, or it does not compile.
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
}

export const RECIPE_CATALOG = {
  'compose-template-version': { title: 'New version', page: '/compose', role: 'operator', cli: 'compose', nav: true },
  'instantiate-from-event': {
    title: 'Instantiate',
    page: '/instantiate',
    role: 'operator',
    cli: 'instantiate',
    nav: true,
  },
  'bulk-scale-out': { title: 'Bulk scale-out', page: '/bulk', role: 'operator', cli: 'bulk', nav: true },
  'rollback-by-actor': {
    title: 'Rollback by actor',
    page: '/rollback',
    role: 'lead',
    cli: 'rollback-actor',
    nav: true,
  },
  'close-all-gates': { title: 'Close all gates', page: '/gates', role: 'lead', cli: 'gates', nav: false },
  // operators roll back their own batches, leads anyone's (checked in the recipe); on the bulk job page
  'rollback-batch': { title: 'Roll back a batch', page: '/bulk', role: 'operator', cli: 'rollback-batch', nav: false },
} as const satisfies Record<string, RecipeMeta>;

export type RecipeSlug = keyof typeof RECIPE_CATALOG;

export const RECIPE_SLUGS = Object.keys(RECIPE_CATALOG) as RecipeSlug[];

/** The name the audit trail records for a recipe: its slug with underscores. */
export const auditNameOf = (slug: RecipeSlug): string => slug.replaceAll('-', '_');

export const isRecipeSlug = (s: string): s is RecipeSlug => Object.hasOwn(RECIPE_CATALOG, s);

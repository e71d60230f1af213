'use server';

import type { ActionInput, ActionResult } from '@/lib/auth/authorize';
import { isRecipeSlug, RECIPE_SLUGS } from '@/lib/recipes/catalog';
import type { AnyRecipeDefinition, ResultOf } from '@/lib/recipes/define';
import { loadDefinition } from '@/lib/recipes/load-definition';
import { authorizedAction } from '@/lib/server/auth';

/**
 * Runs the recipe a page names, found by its slug, through the one wrapper as the JSON route
 * and the CLI do: the session's person, the role of its catalog line, the input, reason, plan
 * and approval, the run, the audit row. A form calls it with its definition's type (RunRecipe
 * in lib/recipes/define.ts) and gets that recipe's result.
 */
export async function runRecipeAction<D extends AnyRecipeDefinition = never>(
  slug: D['slug'],
  input: ActionInput<D['input']>,
): Promise<ActionResult<ResultOf<D>>> {
  // the slug comes from the browser: anything but a catalog slug runs nothing, as on the route
  if (typeof slug !== 'string' || !isRecipeSlug(slug))
    return {
      ok: false,
      decision: 'invalid',
      status: 'not_found',
      committed: false,
      message: `There is no recipe called ${String(slug).slice(0, 80)}; the recipes are ${RECIPE_SLUGS.join(', ')}.`,
      auditId: null,
    };
  return authorizedAction(await loadDefinition(slug))(input);
}

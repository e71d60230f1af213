// Turns a recipe folder's action into the wrapper's definition: its audit name and lowest
// role come from the catalog, so neither is written twice. Each folder's recipe.ts exports
// the result as `definition`; the slug stays in its type, so a caller that names a recipe by
// slug gets that recipe's input and result types (RunRecipe, app/(console)/recipe-action.ts).
import type { z } from 'zod';
import type { ActionDefinition, ActionInput, ActionResult, RecipeAction } from '@/lib/auth/authorize';
import { auditNameOf, RECIPE_CATALOG, type RecipeSlug } from './catalog';

/** A recipe's definition: the wrapper's, with the slug it is filed under. */
export type RecipeDefinition<
  Slug extends RecipeSlug,
  S extends z.ZodType<Record<string, unknown>>,
  T,
> = ActionDefinition<S, T> & { slug: Slug };

/** Any recipe's definition, for the callers that find one by slug. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the input schema and result differ per recipe
export type AnyRecipeDefinition = RecipeDefinition<RecipeSlug, any, any>;

/** The result type of a definition's run. */
export type ResultOf<D> = D extends ActionDefinition<infer _S, infer T> ? T : never;

export function defineRecipe<Slug extends RecipeSlug, S extends z.ZodType<Record<string, unknown>>, T>(
  slug: Slug,
  action: RecipeAction<S, T>,
): RecipeDefinition<Slug, S, T> {
  return { ...action, slug, name: auditNameOf(slug), role: RECIPE_CATALOG[slug].role };
}

/**
 * The console's one recipe action (app/(console)/recipe-action.ts), typed by the definition a
 * caller names, which it imports as a type only: `run<typeof rollback>('rollback-by-actor',
 * input)` takes that recipe's input and answers its result. The slug must be that
 * definition's, and without the type argument its type is never: such a call does not compile.
 */
export type RunRecipe = <D extends AnyRecipeDefinition = never>(
  slug: D['slug'],
  input: ActionInput<D['input']>,
) => Promise<ActionResult<ResultOf<D>>>;

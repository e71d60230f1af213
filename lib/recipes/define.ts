// Turns a recipe folder's action into the wrapper's definition: its audit name and lowest
// role come from the catalog, so neither is written twice.
import type { z } from 'zod';
import type { ActionDefinition, RecipeAction } from '@/lib/auth/authorize';
import { auditNameOf, RECIPE_CATALOG, type RecipeSlug } from './catalog';

export function defineRecipe<S extends z.ZodType<Record<string, unknown>>, T>(
  slug: RecipeSlug,
  action: RecipeAction<S, T>,
): ActionDefinition<S, T> & { slug: RecipeSlug } {
  return { ...action, slug, name: auditNameOf(slug), role: RECIPE_CATALOG[slug].role };
}

// A recipe's definition by its slug, for the callers that name a recipe at run time: the JSON
// route, the console's recipe action, the approvals and the CLI. Each folder's recipe.ts is
// imported when it is first asked for (Next's bundler and Vitest turn the pattern into one
// import per folder; tsx, which runs the CLI, resolves it as it stands), so no list names the
// recipes a second time. lib/recipes/load-definition.test.ts holds every catalog slug to a
// folder whose definition carries that slug, and every folder to a catalog line.
import type { RecipeSlug } from './catalog';
import type { AnyRecipeDefinition } from './define';

export async function loadDefinition(slug: RecipeSlug): Promise<AnyRecipeDefinition> {
  const mod: { definition?: AnyRecipeDefinition } = await import(`./${slug}/recipe.ts`);
  if (mod.definition?.slug !== slug)
    throw new Error(`lib/recipes/${slug}/recipe.ts must export the definition of ${slug} as \`definition\`.`);
  return mod.definition;
}

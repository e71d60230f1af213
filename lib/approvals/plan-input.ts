// A plan's parameters back as its recipe's input: for an approver's second preview of the
// plan, and for the requester's apply from the request page or the CLI.
import { isRecipeSlug, recipeMetaOf } from '@/lib/recipes/catalog';
import type { AnyRecipeDefinition } from '@/lib/recipes/define';
import { loadDefinition } from '@/lib/recipes/load-definition';

/** The recipe definition of an audit name (bulk_scale_out → bulk-scale-out). */
export async function definitionOf(recipe: string): Promise<AnyRecipeDefinition | null> {
  const slug = recipe.replaceAll('_', '-');
  // each definition has its own input type; the wrapper validates the input against it
  return isRecipeSlug(slug) ? loadDefinition(slug) : null;
}

/**
 * The input that previews (apply false) or applies (apply true) a plan of these parameters;
 * `mode` is its approval request's, which decides the emit mode of a plan that names none (an
 * instantiate dry run is applied live or kept, and previewed again as that).
 */
export function inputFromPlan(
  recipe: string,
  params: Record<string, unknown>,
  apply: boolean,
  mode?: string,
): Record<string, unknown> {
  const base = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined));
  // a recipe applied with `durable` (a dry run first) or by turning its preview off
  if (recipeMetaOf(recipe)?.approval?.apply === 'durable') return { ...base, durable: apply };
  const emit = base.emitMode === undefined && (mode === 'live' || mode === 'dry_run') ? { emitMode: mode } : {};
  return { ...base, ...emit, preview: !apply };
}

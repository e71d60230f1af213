// Every recipe's definition by its slug, for the callers that find a recipe by name: the
// JSON route and the CLI. Pages, forms and tests import a recipe's folder directly (typed).
import { definition as bulkScaleOutDefinition } from './bulk-scale-out/recipe';
import type { RecipeSlug } from './catalog';
import { definition as closeAllGatesDefinition } from './close-all-gates/recipe';
import { definition as composeTemplateVersionDefinition } from './compose-template-version/recipe';
import { definition as instantiateFromEventDefinition } from './instantiate-from-event/recipe';
import { definition as rollbackBatchDefinition } from './rollback-batch/recipe';
import { definition as rollbackByActorDefinition } from './rollback-by-actor/recipe';

export const RECIPE_DEFINITIONS = {
  'compose-template-version': composeTemplateVersionDefinition,
  'instantiate-from-event': instantiateFromEventDefinition,
  'bulk-scale-out': bulkScaleOutDefinition,
  'rollback-by-actor': rollbackByActorDefinition,
  'close-all-gates': closeAllGatesDefinition,
  'rollback-batch': rollbackBatchDefinition,
} as const satisfies Record<RecipeSlug, { slug: RecipeSlug }>;

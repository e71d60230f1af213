// Every recipe's definition by its slug, for the callers that find a recipe by name: the
// JSON route and the CLI. Pages, forms and tests import a recipe's folder directly (typed).
import { bulkScaleOutDefinition } from './bulk-scale-out';
import type { RecipeSlug } from './catalog';
import { closeAllGatesDefinition } from './close-all-gates';
import { composeTemplateVersionDefinition } from './compose-template-version';
import { instantiateFromEventDefinition } from './instantiate-from-event';
import { rollbackBatchDefinition } from './rollback-batch';
import { rollbackByActorDefinition } from './rollback-by-actor';

export const RECIPE_DEFINITIONS = {
  'compose-template-version': composeTemplateVersionDefinition,
  'instantiate-from-event': instantiateFromEventDefinition,
  'bulk-scale-out': bulkScaleOutDefinition,
  'rollback-by-actor': rollbackByActorDefinition,
  'close-all-gates': closeAllGatesDefinition,
  'rollback-batch': rollbackBatchDefinition,
} as const satisfies Record<RecipeSlug, { slug: RecipeSlug }>;

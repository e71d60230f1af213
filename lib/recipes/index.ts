// The recipe engine: the only code that runs recipe SQL.
export * from './types';
export { describeStatus } from './messages';
export { actorOf, runRecipe, refuse } from './run';
export * from './schemas';
export {
  composeTemplateVersion,
  planNextVersion,
  suggestAddress,
  type ComposeResult,
  type VersionPlan,
} from './compose-template-version/recipe';
export { instantiateFromEvent, type InstantiateResult, type LivePrediction } from './instantiate-from-event/recipe';
export {
  bulkScaleOut,
  plannedItems,
  plannedInstanceKey,
  type BulkItem,
  type BulkProgress,
  type BulkResult,
} from './bulk-scale-out/recipe';
export { rollbackByActor, type RollbackResult } from './rollback-by-actor/recipe';
export { readGates, closeAllGates, type Gate } from './gates';
export {
  scaleSeed,
  scaleActors,
  SCALE_FAMILY_PREFIX,
  type ScaleSeedOptions,
  type ScaleSeedOutcome,
} from './scale-seed';

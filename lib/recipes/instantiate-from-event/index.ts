// The instantiate-from-event recipe as the console, the API, the CLI and jobs call it.
import { defineRecipe } from '../define';
import { instantiateFromEventAction } from './action';

export * from './action';
export const instantiateFromEventDefinition = defineRecipe('instantiate-from-event', instantiateFromEventAction);
export type { InstantiateResult, LivePrediction } from './recipe';

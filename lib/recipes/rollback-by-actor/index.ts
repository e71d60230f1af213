// The rollback-by-actor recipe as the console, the API, the CLI and jobs call it.
import { defineRecipe } from '../define';
import { rollbackByActorAction } from './action';

export * from './action';
export const rollbackByActorDefinition = defineRecipe('rollback-by-actor', rollbackByActorAction);
export type { RollbackResult } from './recipe';

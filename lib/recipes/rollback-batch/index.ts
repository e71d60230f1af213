// The rollback-batch recipe as the console, the API and the CLI call it.
import { defineRecipe } from '../define';
import { rollbackBatchAction } from './action';

export * from './action';
export const rollbackBatchDefinition = defineRecipe('rollback-batch', rollbackBatchAction);
export type { BatchRollbackResult } from './recipe';

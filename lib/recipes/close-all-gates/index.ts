// The close-all-gates recipe as the console, the API, the CLI and jobs call it.
import { defineRecipe } from '../define';
import { closeAllGatesAction } from './action';

export * from './action';
export const closeAllGatesDefinition = defineRecipe('close-all-gates', closeAllGatesAction);

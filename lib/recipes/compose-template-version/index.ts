// The compose-template-version recipe as the console, the API, the CLI and jobs call it.
import { defineRecipe } from '../define';
import { composeTemplateVersionAction } from './action';

export * from './action';
export const composeTemplateVersionDefinition = defineRecipe('compose-template-version', composeTemplateVersionAction);
export type { ComposeResult, VersionPlan } from './recipe';

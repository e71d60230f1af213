'use server';

import { definition as composeTemplateVersionDefinition } from '@/lib/recipes/compose-template-version/recipe';
import { authorizedAction } from '@/lib/server/auth';

/** Operator and up: compose the next version of a template family, as a preview or for real (a commit needs a preview, the typed key and a reason). */
export const composeTemplateVersionAction = authorizedAction(composeTemplateVersionDefinition);

'use server';

import { definition as instantiateFromEventDefinition } from '@/lib/recipes/instantiate-from-event/recipe';
import { authorizedAction } from '@/lib/server/auth';

/** Operator and up: instantiate a template from one event, as a preview or for real (live needs a reason). */
export const instantiateFromEventAction = authorizedAction(instantiateFromEventDefinition);

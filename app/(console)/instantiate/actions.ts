'use server';

import { instantiateFromEventDefinition } from '@/lib/recipes/instantiate-from-event';
import { authorizedAction } from '@/lib/server/auth';

/** Operator and up: instantiate a template from one event, as a preview or for real (live needs a reason). */
export const instantiateFromEventAction = authorizedAction(instantiateFromEventDefinition);

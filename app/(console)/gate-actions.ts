'use server';

import { definition as closeAllGatesDefinition } from '@/lib/recipes/close-all-gates/recipe';
import { authorizedAction } from '@/lib/server/auth';

/** Lead only, with a reason: closes every open iu_core gate (a gate leak). */
export const closeAllGatesAction = authorizedAction(closeAllGatesDefinition);

'use server';

import { closeAllGatesDefinition } from '@/lib/recipes/close-all-gates';
import { authorizedAction } from '@/lib/server/auth';

/** Lead only, with a reason: closes every open iu_core gate (a gate leak). */
export const closeAllGatesAction = authorizedAction(closeAllGatesDefinition);

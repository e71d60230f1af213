'use server';

import { definition as rollbackByActorDefinition } from '@/lib/recipes/rollback-by-actor/recipe';
import { authorizedAction } from '@/lib/server/auth';

/**
 * Lead only: roll back every instance one actor string created. A dry run reports; the
 * durable run needs a recent dry run of the same actor, the actor typed (confirmText) and a reason.
 */
export const rollbackByActorAction = authorizedAction(rollbackByActorDefinition);

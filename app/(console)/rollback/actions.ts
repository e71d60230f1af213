'use server';

import { rollbackByActorDefinition } from '@/lib/actions/definitions';
import { authorizedAction } from '@/lib/server/auth';

/** Lead only: roll back every instance one actor string created; durable needs a reason. */
export const rollbackByActorAction = authorizedAction(rollbackByActorDefinition);

// The console's rollback by actor: a dry run lists the actor's instances as a plan; the
// durable run removes exactly those, or nothing.
import { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { countDrift } from '@/lib/auth/plans';
import { checkbox, isChecked } from '../action-fields';
import { rollbackByActor, type RollbackResult } from './recipe';

export const rollbackActionInput = z.object({
  targetActor: z
    .string({ error: 'The actor to roll back is required.' })
    .trim()
    .min(1, 'The actor to roll back is required.')
    .max(200, 'The actor is at most 200 characters.'),
  durable: checkbox,
  reason: reasonField,
});

export const rollbackByActorAction: RecipeAction<typeof rollbackActionInput, RollbackResult> = {
  input: rollbackActionInput,
  mode: (v) => (isChecked(v.durable) ? 'durable' : 'dry_run'),
  reasonRequired: (v) => v.durable,
  run: (ctx, v) => rollbackByActor(ctx, { actor: v.targetActor, dryRun: !v.durable }),
  // a durable rollback applies a dry run's plan: exactly the instances it listed, or nothing
  plan: {
    applies: (v) => v.durable,
    params: (v) => ({ targetActor: v.targetActor }),
    effect: (o) => ({ instanceCollectionIds: [...o.result.instanceCollectionIds].sort() }),
    drift: (planned, o, v) => {
      if (!o.ok) return `The rollback now answers ${o.status}; nothing was written: dry run again.`;
      const want = new Set(planned.instanceCollectionIds as string[]);
      const got = new Set((o.result as RollbackResult).instanceCollectionIds);
      const more = [...got].filter((id) => !want.has(id)).length;
      const fewer = [...want].filter((id) => !got.has(id)).length;
      if (!more && !fewer) return null;
      return `${countDrift(more, fewer, 'instance')} by ${v.targetActor} since your dry run (it listed ${want.size.toLocaleString('en')}); nothing was rolled back: dry run again.`;
    },
    typed: (v) => v.targetActor,
  },
  summarize: (o) =>
    o.ok
      ? `${o.result.dryRun ? 'would roll back' : 'rolled back'} ${o.result.instanceCount} instance(s) of ${o.result.actor}`
      : `${o.status}: ${o.message}`,
};
export type RollbackActionInput = z.input<typeof rollbackActionInput>;

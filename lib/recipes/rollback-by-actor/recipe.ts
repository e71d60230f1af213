// Runbook recipe "Rollback by actor", dry run (reports) or durable (deletes the instances).
//
// The console's rollback by actor: a dry run lists the actor's instances as a plan; the
// durable run removes exactly those, or nothing.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { countDrift } from '@/lib/auth/plans';
import { checkbox, isChecked } from '../action-fields';
import { defineRecipe } from '../define';
import type { Effect } from '@/lib/auth/plans';
import { actorOf, invalidInput, refuse, runRecipe, type RunHelpers } from '../run';
import { rollbackInputSchema, type RollbackInput } from '../schemas';
import type { RecipeContext, RecipeResult, Refusal, Status } from '../types';

export interface RollbackInstance {
  instanceCollectionId: string;
  instanceCollectionKey: string | null;
  templateCollectionKey: string | null;
  emitMode: string;
  eventId: string;
  createdAt: Date;
}

export interface RollbackResult {
  actor: string;
  dryRun: boolean;
  /** Every instance the rollback removes, or would remove. */
  instanceCount: number;
  instanceCollectionIds: string[];
  /** The person recorded as rolled_back_by (the signed-in user). */
  rolledBackBy: string | null;
  /**
   * What the dry run would remove, oldest first, with keys and templates (listed before the
   * delete): the first LISTED_INSTANCES unless every one was asked for (`allInstances`).
   */
  instances: RollbackInstance[];
  /** All of them by template key, and by emit mode, however many are listed. */
  byTemplate: Record<string, number>;
  byMode: Record<string, number>;
}

/**
 * How many instances a rollback lists with their keys unless asked for all: the page shows
 * these, the CLI fewer; the counts by template and mode cover every one.
 */
export const LISTED_INSTANCES = 200;

/** Rolls back every live and dry-run instance one actor string created; dry runs roll back. */
export async function rollbackByActor(
  ctx: RecipeContext,
  input: RollbackInput & { allInstances?: boolean },
): Promise<RecipeResult<RollbackResult>> {
  const parsed = rollbackInputSchema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  const { actor, dryRun } = parsed.data;
  // the signed-in user becomes rolled_back_by: a blank or malformed one is refused, as in every recipe
  const who = actorOf(ctx);
  if (typeof who !== 'string') return who;

  return runRecipe<RollbackResult>(ctx, { gates: [], commit: () => !dryRun }, async (_tx, h) => {
    // The actor's open rows come from 060's covering index alone (index-only scans, in the
    // substrate's own order): once counted by template and mode, once listed. Each listed
    // instance's key is one primary-key probe, so only the listed ones pay it (at a million
    // events the busiest actor's 4,000 probes were most of the dry run's database time).
    // Written as joins, the planner hashed a scan of every collection: plans and times in
    // migration 046's header. The few templates are read once each, not once per row.
    const open = sql`l.triggered_by = ${actor} AND l.status = 'ok' AND l.rolled_back_at IS NULL
         AND l.instance_collection_id IS NOT NULL`;
    const groups = await h.rows<{ template_collection_id: string; emit_mode: string; n: number }>(sql`
      SELECT l.template_collection_id, l.emit_mode, count(*)::int AS n
        FROM iu_auto_instantiate_event_log l
       WHERE ${open}
       GROUP BY 1, 2`);
    const instances = await h.rows<{
      instance_collection_id: string;
      instance_collection_key: string | null;
      template_collection_id: string;
      emit_mode: string;
      event_id: string;
      created_at: Date;
    }>(sql`
      SELECT l.instance_collection_id,
             (SELECT i.collection_key FROM iu_piece_collection i WHERE i.id = l.instance_collection_id) AS instance_collection_key,
             l.template_collection_id, l.emit_mode, l.event_id, l.created_at
        FROM iu_auto_instantiate_event_log l
       WHERE ${open}
       ORDER BY l.created_at, l.id
       ${input.allInstances ? sql`` : sql`LIMIT ${LISTED_INSTANCES}`}`);
    const templateIds = [...new Set(groups.map((g) => g.template_collection_id))];
    const templateKeys = new Map(
      templateIds.length
        ? (
            await h.rows<{ id: string; collection_key: string }>(
              sql`SELECT id, collection_key FROM iu_piece_collection WHERE id = ANY (${`{${templateIds.join(',')}}`}::uuid[])`,
            )
          ).map((t) => [t.id, t.collection_key])
        : [],
    );
    const templateKeyOf = (i: { template_collection_id: string }) => templateKeys.get(i.template_collection_id) ?? null;
    const done = await rollBackActor(h, actor, dryRun);
    if ('ok' in done) return done;
    return {
      ok: true,
      status: 'ok',
      committed: false,
      result: {
        actor,
        dryRun,
        ...done,
        instances: instances.map((i) => ({
          instanceCollectionId: i.instance_collection_id,
          instanceCollectionKey: i.instance_collection_key,
          templateCollectionKey: templateKeyOf(i),
          emitMode: i.emit_mode,
          eventId: i.event_id,
          createdAt: new Date(i.created_at),
        })),
        byTemplate: sumBy(groups, (g) => templateLabel(templateKeyOf(g))),
        byMode: sumBy(groups, (g) => g.emit_mode),
      },
    };
  });
}

/** What the substrate's rollback of one actor string removed, or would remove. */
export interface ActorRollback {
  instanceCount: number;
  instanceCollectionIds: string[];
  /** The person recorded as rolled_back_by; null when nothing was removed (a dry run, or no instance). */
  rolledBackBy: string | null;
}

/**
 * fn_iu_auto_instantiate_rollback_by_actor in a recipe's transaction (a dry run writes
 * nothing): the one substrate call of this recipe and of rollback by batch.
 */
export async function rollBackActor(h: RunHelpers, actor: string, dryRun: boolean): Promise<ActorRollback | Refusal> {
  const [row] = await h.rows<{ r: Record<string, unknown> }>(
    sql`SELECT fn_iu_auto_instantiate_rollback_by_actor(${actor}, ${dryRun}) AS r`,
  );
  const r = row.r;
  if (r.status !== 'ok') return refuse(String(r.status) as Exclude<Status, 'ok'>, { detail: r });
  return {
    instanceCount: Number(r.instance_count),
    instanceCollectionIds: ((r.instance_collection_ids as string[]) ?? []).map(String),
    rolledBackBy: (r.rolled_back_by as string) ?? null,
  };
}

/** The groups' counts summed by a key of each group. */
function sumBy<G extends { n: number }>(groups: G[], keyOf: (g: G) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of groups) out[keyOf(g)] = (out[keyOf(g)] ?? 0) + g.n;
  return out;
}

/** A template's key in the counts, or what stands for one no longer there. */
const templateLabel = (key: string | null) => key ?? '(unknown template)';

/** How many of these instances each template has, by the template's key. */
export function countByTemplate(templateKeys: (string | null)[]): Record<string, number> {
  return sumBy(
    templateKeys.map((key) => ({ key, n: 1 })),
    (g) => templateLabel(g.key),
  );
}

/**
 * How the instances an apply would roll back differ from those its plan listed: how many more
 * and how many fewer, or null when they are the same.
 */
export function instanceDrift(planned: Effect, ids: string[]): { more: number; fewer: number; listed: number } | null {
  const want = new Set(planned.instanceCollectionIds as string[]);
  const got = new Set(ids);
  const more = [...got].filter((id) => !want.has(id)).length;
  const fewer = [...want].filter((id) => !got.has(id)).length;
  return more || fewer ? { more, fewer, listed: want.size } : null;
}

export const rollbackActionInput = z.object({
  targetActor: z
    .string({ error: 'The actor to roll back is required.' })
    .trim()
    .min(1, 'The actor to roll back is required.')
    .max(200, 'The actor is at most 200 characters.'),
  durable: checkbox,
  /** List every instance with its key, not only the first LISTED_INSTANCES (the CLI's --items). */
  allInstances: checkbox,
  reason: reasonField,
});

const action: RecipeAction<typeof rollbackActionInput, RollbackResult> = {
  input: rollbackActionInput,
  mode: (v) => (isChecked(v.durable) ? 'durable' : 'dry_run'),
  reasonRequired: (v) => v.durable,
  run: (ctx, v) => rollbackByActor(ctx, { actor: v.targetActor, dryRun: !v.durable, allInstances: v.allInstances }),
  // a durable rollback applies a dry run's plan: exactly the instances it listed, or nothing
  plan: {
    applies: (v) => v.durable,
    params: (v) => ({ targetActor: v.targetActor }),
    effect: (o) => ({ instanceCollectionIds: [...o.result.instanceCollectionIds].sort() }),
    drift: (planned, o, v) => {
      if (!o.ok) return `The rollback now answers ${o.status}; nothing was written: dry run again.`;
      const d = instanceDrift(planned, (o.result as RollbackResult).instanceCollectionIds);
      if (!d) return null;
      return `${countDrift(d.more, d.fewer, 'instance')} by ${v.targetActor} since your dry run (it listed ${d.listed.toLocaleString('en')}); nothing was rolled back: dry run again.`;
    },
    typed: (v) => v.targetActor,
  },
  summarize: (o) =>
    o.ok
      ? `${o.result.dryRun ? 'would roll back' : 'rolled back'} ${o.result.instanceCount} instance(s) of ${o.result.actor}`
      : `${o.status}: ${o.message}`,
};

export const definition = defineRecipe('rollback-by-actor', action);

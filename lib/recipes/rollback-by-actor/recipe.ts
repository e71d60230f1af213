// Runbook recipe "Rollback by actor", dry run (reports) or durable (deletes the instances).
import { sql } from 'drizzle-orm';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import { rollbackInputSchema, type RollbackInput } from '../schemas';
import type { RecipeContext, RecipeResult, Status } from '../types';

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
  instanceCount: number;
  instanceCollectionIds: string[];
  /** The person recorded as rolled_back_by (the signed-in user). */
  rolledBackBy: string | null;
  /** What the dry run would remove, with keys and templates (listed before the delete). */
  instances: RollbackInstance[];
  byTemplate: Record<string, number>;
}

/** Rolls back every live and dry-run instance one actor string created; dry runs roll back. */
export async function rollbackByActor(ctx: RecipeContext, input: RollbackInput): Promise<RecipeResult<RollbackResult>> {
  const parsed = rollbackInputSchema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  const { actor, dryRun } = parsed.data;
  // the signed-in user becomes rolled_back_by: a blank or malformed one is refused, as in every recipe
  const who = actorOf(ctx);
  if (typeof who !== 'string') return who;

  return runRecipe<RollbackResult>(ctx, { gates: [], commit: () => !dryRun }, async (_tx, h) => {
    // Keys come from one primary-key probe per row of this actor, so the listing costs what the
    // actor's instances cost: written as joins, the planner hashed a scan of every collection
    // (plans and times in migration 046's header).
    const instances = await h.rows<{
      instance_collection_id: string;
      instance_collection_key: string | null;
      template_collection_key: string | null;
      emit_mode: string;
      event_id: string;
      created_at: Date;
    }>(sql`
      SELECT l.instance_collection_id,
             (SELECT i.collection_key FROM iu_piece_collection i WHERE i.id = l.instance_collection_id) AS instance_collection_key,
             (SELECT t.collection_key FROM iu_piece_collection t WHERE t.id = l.template_collection_id) AS template_collection_key,
             l.emit_mode, l.event_id, l.created_at
        FROM iu_auto_instantiate_event_log l
       WHERE l.triggered_by = ${actor} AND l.status = 'ok' AND l.rolled_back_at IS NULL
         AND l.instance_collection_id IS NOT NULL
       ORDER BY l.created_at, l.id`);
    const [row] = await h.rows<{ r: Record<string, unknown> }>(
      sql`SELECT fn_iu_auto_instantiate_rollback_by_actor(${actor}, ${dryRun}) AS r`,
    );
    const r = row.r;
    if (r.status !== 'ok') return refuse(String(r.status) as Exclude<Status, 'ok'>, { detail: r });
    const byTemplate: Record<string, number> = {};
    for (const i of instances) {
      const k = i.template_collection_key ?? '(unknown template)';
      byTemplate[k] = (byTemplate[k] ?? 0) + 1;
    }
    return {
      ok: true,
      status: 'ok',
      committed: false,
      result: {
        actor,
        dryRun,
        instanceCount: Number(r.instance_count),
        instanceCollectionIds: (r.instance_collection_ids as string[]) ?? [],
        rolledBackBy: (r.rolled_back_by as string) ?? null,
        instances: instances.map((i) => ({
          instanceCollectionId: i.instance_collection_id,
          instanceCollectionKey: i.instance_collection_key,
          templateCollectionKey: i.template_collection_key,
          emitMode: i.emit_mode,
          eventId: i.event_id,
          createdAt: new Date(i.created_at),
        })),
        byTemplate,
      },
    };
  });
}

// Reading the gates, and the lead's "close all gates" for a gate leak.
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { actorOf } from './run';
import type { GateKey, RecipeContext, RecipeResult, Refusal } from './types';

export interface Gate {
  key: GateKey | string;
  open: boolean;
  value: string;
  description: string | null;
  /** delivery and retention: never opened from this project. */
  neverOpenedHere: boolean;
}

const NEVER = new Set(['iu_core.delivery_enabled', 'iu_core.retention_enabled']);
const ORDER = [
  'iu_core.composer_enabled',
  'iu_core.auto_instantiate_enabled',
  'iu_core.delivery_enabled',
  'iu_core.retention_enabled',
];

/** The iu_core gates as committed data shows them; any open one is a gate leak. */
export async function readGates(db: Database): Promise<Gate[]> {
  const rows = rowsOf<{ key: string; value: string; description: string | null }>(
    await db.orm.execute(sql`SELECT key, value, description FROM dot_config WHERE key LIKE 'iu_core.%'`),
  );
  return rows
    .map((r) => ({
      key: r.key,
      value: r.value,
      open: r.value !== 'false',
      description: r.description,
      neverOpenedHere: NEVER.has(r.key),
    }))
    .sort(
      (a, b) => ((ORDER.indexOf(a.key) + 99) % 99) - ((ORDER.indexOf(b.key) + 99) % 99) || a.key.localeCompare(b.key),
    );
}

/**
 * Closes every open iu_core gate in committed data; the result lists the keys it closed. A
 * verify hook (the console's plan) can refuse, and then nothing is changed.
 */
export async function closeAllGates(ctx: RecipeContext): Promise<RecipeResult<string[]>> {
  const actor = actorOf({ user: ctx.user });
  if (typeof actor !== 'string') return actor;
  class Rollback extends Error {}
  let refusal: Refusal | null = null;
  try {
    return await ctx.db.orm.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('iu_core.request_actor', ${ctx.user}, true)`);
      const closed = rowsOf<{ key: string }>(
        await tx.execute(sql`UPDATE dot_config SET value = 'false'
          WHERE key LIKE 'iu_core.%' AND value <> 'false' RETURNING key`),
      );
      const outcome: RecipeResult<string[]> = {
        ok: true,
        status: 'ok',
        committed: true,
        result: closed.map((c) => c.key).sort(),
      };
      refusal = (await ctx.verify?.(tx, outcome)) ?? null;
      if (refusal) throw new Rollback();
      // the console's audit row lands in this transaction, as for every recipe
      if (ctx.beforeFinish) await ctx.beforeFinish(tx, outcome);
      return outcome;
    });
  } catch (err) {
    if (err instanceof Rollback && refusal) return refusal;
    throw err;
  }
}

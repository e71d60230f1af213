// Reading the gates, and the lead's "close all gates" for a gate leak.
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '@/db/client';
import { actorOf } from './run';
import type { GateKey, RecipeContext } from './types';

export interface Gate {
  key: GateKey | string;
  open: boolean;
  value: string;
  description: string | null;
  /** delivery and retention: never opened from this project. */
  neverOpenedHere: boolean;
}

const NEVER = new Set(['iu_core.delivery_enabled', 'iu_core.retention_enabled']);
const ORDER = ['iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled', 'iu_core.delivery_enabled', 'iu_core.retention_enabled'];

/** The iu_core gates as committed data shows them; any open one is a gate leak. */
export async function readGates(db: Database): Promise<Gate[]> {
  const rows = rowsOf<{ key: string; value: string; description: string | null }>(
    await db.orm.execute(sql`SELECT key, value, description FROM dot_config WHERE key LIKE 'iu_core.%'`),
  );
  return rows
    .map((r) => ({ key: r.key, value: r.value, open: r.value !== 'false', description: r.description, neverOpenedHere: NEVER.has(r.key) }))
    .sort((a, b) => (ORDER.indexOf(a.key) + 99) % 99 - (ORDER.indexOf(b.key) + 99) % 99 || a.key.localeCompare(b.key));
}

/** Closes every open iu_core gate in committed data; returns the keys it closed. */
export async function closeAllGates(ctx: RecipeContext): Promise<string[]> {
  const actor = actorOf({ user: ctx.user });
  if (typeof actor !== 'string') throw new Error(actor.message);
  return ctx.db.orm.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('iu_core.request_actor', ${ctx.user}, true)`);
    const closed = rowsOf<{ key: string }>(
      await tx.execute(sql`UPDATE dot_config SET value = 'false'
        WHERE key LIKE 'iu_core.%' AND value <> 'false' RETURNING key`),
    );
    const keys = closed.map((c) => c.key).sort();
    // the console's audit row lands in this transaction, as for every recipe
    if (ctx.beforeFinish) await ctx.beforeFinish(tx, { ok: true, status: 'ok', committed: true, result: keys });
    return keys;
  });
}

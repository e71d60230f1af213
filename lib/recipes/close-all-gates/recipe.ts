// The lead's "close all gates" for a gate leak: the preview lists the open gates as a plan;
// the close applies it and closes exactly those, with the phrase typed. The close itself is
// the engine's closeAllGates (../gates.ts).
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf, type Database } from '@/db/client';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { closeAllGates } from '../gates';
import type { RecipeResult } from '../types';
import { checkbox, isChecked } from '../action-fields';
import { defineRecipe } from '../define';

export const closeGatesActionInput = z.object({ preview: checkbox, reason: reasonField });

/** The phrase a lead types to close every gate. */
export const CLOSE_GATES_PHRASE = 'close all gates';

const action: RecipeAction<typeof closeGatesActionInput, string[]> = {
  input: closeGatesActionInput,
  mode: (v) => (isChecked(v.preview) ? 'preview' : 'admin'),
  reasonRequired: (v) => !v.preview,
  // the preview lists the open gates; the close applies that plan and closes exactly those
  run: (ctx, v) => (v.preview ? openGates(ctx.db) : closeAllGates(ctx)),
  plan: {
    applies: (v) => !v.preview,
    params: () => ({}),
    effect: (o) => ({ gates: [...o.result].sort() }),
    drift: (planned, o) => {
      const want = (planned.gates as string[]).join(', ') || 'none';
      const got = o.ok ? [...(o.result as string[])].sort().join(', ') || 'none' : o.status;
      return want === got
        ? null
        : `Your preview showed open gates: ${want}; now: ${got}. Nothing was changed: look again, then confirm.`;
    },
    typed: () => CLOSE_GATES_PHRASE,
  },
  summarize: (o) =>
    o.ok
      ? o.committed
        ? o.result.length
          ? `closed ${o.result.join(', ')}`
          : 'no gate was open'
        : `open: ${o.result.join(', ') || 'none'}`
      : `${o.status}: ${o.message}`,
};

export const definition = defineRecipe('close-all-gates', action);

/** The gates open in committed data, as a preview of closing them (nothing is written). */
async function openGates(db: Database): Promise<RecipeResult<string[]>> {
  const rows = rowsOf<{ key: string }>(
    await db.orm.execute(sql`SELECT key FROM dot_config WHERE key LIKE 'iu_core.%' AND value <> 'false' ORDER BY key`),
  );
  return { ok: true, status: 'ok', committed: false, result: rows.map((r) => r.key) };
}

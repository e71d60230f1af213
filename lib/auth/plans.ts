// Plans (migration 045): a preview is stored with the parameters it ran with and the effect it
// showed; the live or durable step names it and runs only if the plan is the caller's own, for
// the same recipe and parameters, unexpired and unused, and only if the effect computed inside
// the apply's own transaction equals the plan's. The plan is used up in that transaction, so
// two applies of one plan cannot both commit.
import { minutesAgo } from '@/lib/format';
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { rowsOf, type Database, type Orm } from '@/db/client';
import { consolePlan } from '@/db/auth-schema';
import type { Tx } from '@/lib/recipes/types';

export type Effect = Record<string, unknown>;

export interface Plan {
  id: number;
  recipe: string;
  username: string;
  actor: string;
  params: Record<string, unknown>;
  paramsKey: string;
  effect: Effect;
  summary: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** What a page or script is told of a plan: enough to name it and say whose and how old. */
export interface PlanView {
  id: number;
  username: string;
  summary: string;
  createdAt: string;
  expiresAt: string;
}

export function planView(p: Plan): PlanView {
  return {
    id: p.id,
    username: p.username,
    summary: p.summary,
    createdAt: p.createdAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
  };
}

/** How long a plan can be applied: IU_PREVIEW_TTL_MIN minutes, default 30. */
export function planTtlMinutes(): number {
  const n = Number(process.env.IU_PREVIEW_TTL_MIN);
  return Number.isFinite(n) && n > 0 ? n : 30;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** The parameters as canonical JSON: key order and undefined fields do not matter. */
export function canonicalParams(params: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(canonical(params))) as Record<string, unknown>;
}

/** The hash that ties a plan to who made it, for which recipe, with which parameters. */
export function previewKey(username: string, recipe: string, same: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([username, recipe, canonical(same)]))
    .digest('hex');
}

/** Stores a successful preview as a plan. */
export async function createPlan(
  db: Orm,
  p: {
    recipe: string;
    username: string;
    actor: string;
    params: Record<string, unknown>;
    effect: Effect;
    summary: string;
  },
): Promise<Plan> {
  const [row] = await db
    .insert(consolePlan)
    .values({
      recipe: p.recipe,
      username: p.username,
      actor: p.actor,
      params: canonicalParams(p.params),
      paramsKey: previewKey(p.username, p.recipe, p.params),
      effect: p.effect,
      summary: p.summary.slice(0, 500),
      createdAt: sql`clock_timestamp()` as unknown as Date,
      expiresAt: sql`clock_timestamp() + make_interval(mins => ${planTtlMinutes()})` as unknown as Date,
    })
    .returning();
  return row as Plan;
}

export async function getPlan(db: Orm, id: number): Promise<Plan | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const [row] = await db.select().from(consolePlan).where(eq(consolePlan.id, id));
  return (row as Plan | undefined) ?? null;
}

/** A plan id as a script or form sends it: a positive integer, or a string of digits. */
export function parsePlanId(raw: unknown): number | null {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return raw;
  if (typeof raw === 'string' && /^[1-9]\d{0,15}$/.test(raw.trim())) return Number(raw.trim());
  return null;
}

export type PlanRefusal = { status: 'plan_required' | 'plan_expired' | 'plan_used'; message: string };

const ago = (d: Date) => minutesAgo(d, Date.now(), true);

function changedFields(planned: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(planned), ...Object.keys(now)]);
  return [...keys].filter((k) => JSON.stringify(planned[k] ?? null) !== JSON.stringify(now[k] ?? null)).sort();
}

/**
 * Whether `planId` may be applied by `username` for `recipe` with these parameters: the
 * first check, before anything runs. The apply's own transaction checks again (claimPlan).
 */
export async function checkPlan(
  db: Database,
  q: { recipe: string; username: string; params: Record<string, unknown>; planId: unknown },
): Promise<{ plan: Plan } | PlanRefusal> {
  const id = parsePlanId(q.planId);
  if (id === null) {
    return q.planId === undefined || q.planId === null || q.planId === ''
      ? {
          status: 'plan_required',
          message:
            'This step applies a plan, and none was named: run the preview (or dry run) first, then confirm its plan.',
        }
      : {
          status: 'plan_required',
          message: 'The plan id must be a plan number such as 12; run the preview again to get one.',
        };
  }
  const plan = await getPlan(db.orm, id);
  if (!plan || plan.username !== q.username) {
    // another person's plan is reported as missing: its existence is not yours to learn
    return {
      status: 'plan_required',
      message: `You have no plan #${id}; run the preview (or dry run) yourself, then confirm your own plan.`,
    };
  }
  if (plan.recipe !== q.recipe) {
    return {
      status: 'plan_required',
      message: `Plan #${id} is a plan for ${plan.recipe}, not for this step; run this step's preview first.`,
    };
  }
  if (plan.usedAt) {
    return {
      status: 'plan_used',
      message: `Plan #${id} was already applied ${ago(plan.usedAt)}; a plan runs once. Run the preview again for a new plan.`,
    };
  }
  if (plan.expiresAt.getTime() <= Date.now()) {
    return {
      status: 'plan_expired',
      message: `Plan #${id} expired ${ago(plan.expiresAt)} (plans last ${planTtlMinutes()} minutes); run the preview again.`,
    };
  }
  if (plan.paramsKey !== previewKey(q.username, q.recipe, q.params)) {
    const fields = changedFields(plan.params, canonicalParams(q.params));
    return {
      status: 'plan_required',
      message: `Plan #${id} previewed other parameters (${fields.join(', ') || 'changed'} differ); preview these parameters first, then confirm that plan.`,
    };
  }
  return { plan };
}

/**
 * Uses the plan up inside the apply's transaction. On PostgreSQL a second apply of the same
 * plan waits on this row and then finds it used; either way only one commits.
 */
export async function claimPlan(tx: Tx, plan: Plan): Promise<PlanRefusal | null> {
  const rows = rowsOf<{ fresh: boolean }>(
    await tx.execute(sql`
      UPDATE console_plan SET used_at = clock_timestamp()
       WHERE id = ${plan.id} AND used_at IS NULL
      RETURNING expires_at > clock_timestamp() AS fresh`),
  );
  if (!rows.length)
    return {
      status: 'plan_used',
      message: `Plan #${plan.id} was applied by another request meanwhile; a plan runs once. Run the preview again.`,
    };
  if (!rows[0].fresh)
    return { status: 'plan_expired', message: `Plan #${plan.id} expired while this step ran; run the preview again.` };
  return null;
}

/** "3 more instances and 1 fewer": how a set moved between a plan and now, for drift sentences. */
export function countDrift(more: number, fewer: number, noun: string): string {
  const part = (n: number, how: string) => `${n.toLocaleString('en')} ${how} ${noun}${n === 1 ? '' : 's'}`;
  return [more ? part(more, 'more') : '', fewer ? part(fewer, 'fewer') : ''].filter(Boolean).join(' and ');
}

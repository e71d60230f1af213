// The plan flow's rules, without React: when a form still matches the plan its preview made,
// why it does not, and what a refusal of the apply does to the plan. The server decides
// (lib/auth/plans.ts); these rules mirror it so the page never offers a step the server
// would refuse as plan_required, and says why it does not.

/** A recipe's parameters as its plan binds them (the definition's `plan.params`). */
export type PlanParams = Record<string, unknown>;

/** A plan as a preview answered it: enough to name it, say whose and how old. */
export interface PlanRef {
  id: number;
  username: string;
  createdAt: string;
  expiresAt?: string;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, canonical(o[k])]),
    );
  }
  return v;
}

/**
 * The parameters as the server hashes them into a plan's key: keys sorted, undefined fields
 * dropped, then JSON. Two forms are the same parameters exactly when these strings are equal.
 */
export function canonicalJson(params: PlanParams): string {
  return JSON.stringify(canonical(params));
}

/** The fields whose values differ, compared as the server names them in a plan_required sentence. */
export function changedParams(planned: PlanParams, now: PlanParams): string[] {
  const a = JSON.parse(canonicalJson(planned)) as PlanParams;
  const b = JSON.parse(canonicalJson(now)) as PlanParams;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)).sort();
}

/** Refusals after which the plan can never be applied: the flow drops it and asks for a new preview. */
export const PLAN_GONE_STATUSES = ['plan_stale', 'plan_used', 'plan_expired', 'plan_required'] as const;

export function dropsPlan(status: string): boolean {
  return (PLAN_GONE_STATUSES as readonly string[]).includes(status);
}

/** The wrapper refused before anything ran, or the plan check refused: nothing was written. */
export function refusedBeforeRun(r: { ok: boolean; decision: string; status: string }): boolean {
  if (r.ok) return false;
  return (
    r.decision === 'denied' ||
    r.decision === 'invalid' ||
    r.decision === 'error' ||
    dropsPlan(r.status) ||
    r.status === 'confirmation_required'
  );
}

export interface Planned<P = unknown> {
  /** canonicalJson of the parameters the preview ran with. */
  key: string;
  params: PlanParams;
  /** Null when the preview made none (it answered, but nothing can be applied). */
  plan: PlanRef | null;
  /** What the preview showed, for the page to restate. */
  preview: P;
}

/** Why the last plan is gone: a refusal of its apply, or the apply that used it. */
export type Gone =
  { kind: 'refused'; status: string; message: string; planId: number | null } | { kind: 'used'; planId: number | null };

export interface PlanCheck {
  /** The form matches its plan: the apply can be offered. */
  ready: boolean;
  /** Labels of the fields edited since the preview. */
  changed: string[];
  /** One sentence: why the apply is not offered (null when ready). */
  why: string | null;
}

export interface CheckWords {
  /** "dry run", "preview", "preflight". */
  preview: string;
  /** How to get a new plan, when it is not "run the <preview> again". */
  again?: string;
  /** Field labels by parameter name; unnamed parameters read as their name. */
  labels?: Record<string, string>;
}

const STATUS_WHY: Record<string, string> = {
  plan_stale: 'what it would do changed since',
  plan_used: 'it was already applied',
  plan_expired: 'it expired',
  plan_required: 'the server could not match it to this form',
};

/**
 * Whether the form's parameters still match the plan. `now.valid` is false for input that does
 * not parse: the server would refuse it, so it never matches, but its fields still name what changed.
 */
export function checkPlan(
  planned: Planned | null,
  now: { params: PlanParams; valid: boolean } | null,
  gone: Gone | null,
  words: CheckWords,
): PlanCheck {
  const p = words.preview;
  const again = words.again ?? `run the ${p} again`;
  if (!planned) {
    if (gone?.kind === 'refused') {
      const plan = gone.planId ? `Plan #${gone.planId}` : 'The plan';
      return {
        ready: false,
        changed: [],
        why: `${plan} can no longer be applied (${gone.status}: ${STATUS_WHY[gone.status] ?? 'refused'}); ${again} for a new plan.`,
      };
    }
    if (gone?.kind === 'used')
      return { ready: false, changed: [], why: `That run used up its plan (a plan runs once); ${again} first.` };
    return { ready: false, changed: [], why: `Run the ${p} first: this step applies the plan it makes.` };
  }
  if (!planned.plan) return { ready: false, changed: [], why: `The ${p} made no plan to apply; ${again}.` };
  if (now?.valid && canonicalJson(now.params) === planned.key) return { ready: true, changed: [], why: null };
  const changed = now ? changedParams(planned.params, now.params).map((k) => words.labels?.[k] ?? k) : [];
  const list = changed.length ? changed.join(', ') : 'the form';
  return {
    ready: false,
    changed,
    why: `Changed since the ${p}: ${list}. ${again[0].toUpperCase()}${again.slice(1)} for a plan of these values.`,
  };
}

// The shapes of the one wrapper (lib/auth/authorize.ts): what an action definition declares,
// what a caller hands it, and what it answers. Shared by every step in lib/auth/pipeline/.
import { z } from 'zod';
import type { Database } from '@/db/client';
import type { FieldIssue, RecipeContext, RecipeResult, Success } from '@/lib/recipes/types';
import type { AuditDecision, AuditMode } from './audit';
import type { Effect, PlanView } from './plans';
import type { Identity, RequestInfo } from './identity';
import type { Role } from './roles';

export interface ActionDefinition<S extends z.ZodType<Record<string, unknown>>, T> {
  /** The recipe (or admin operation) name recorded in the audit trail. */
  name: string;
  /** The lowest role allowed. */
  role: Role;
  input: S;
  /** preview / dry_run / live / durable / admin; called on the parsed input, or on the raw one for denied and invalid attempts. */
  mode: (input: Record<string, unknown>) => AuditMode;
  /** Whether this input needs a reason (live runs, durable rollbacks, gate closing, user admin). */
  reasonRequired?: (input: z.output<S>) => boolean;
  run: (ctx: RecipeContext, input: z.output<S>) => Promise<RecipeResult<T>>;
  /** One line for the audit's summary column. */
  summarize?: (outcome: RecipeResult<T>) => string;
  /** What the audit row's params add from the outcome (an approval's plan, recipe, requester, approvers). */
  auditExtra?: (outcome: RecipeResult<T>) => { params?: Record<string, unknown>; planId?: number | null };
  /**
   * For a recipe whose preview is a plan: the preview stores its effect, and the step that
   * writes for real (live, durable, a kept dry run) applies exactly that plan.
   */
  plan?: PlanRule<z.output<S>, T>;
}

/** A recipe folder's action: the definition less what the catalog derives (name, role). */
export type RecipeAction<S extends z.ZodType<Record<string, unknown>>, T> = Omit<
  ActionDefinition<S, T>,
  'name' | 'role'
>;

export interface PlanRule<V, T> {
  /** True for the apply (live, durable, kept) form of this input; false for the preview that makes a plan. */
  applies: (input: V) => boolean;
  /** The parameters a preview and its apply share (mode fields, reason and typed text left out). */
  params: (input: V) => Record<string, unknown>;
  /** The effect a successful preview showed: what its apply must do, no more and no less. */
  effect: (outcome: Success<T>, input: V) => Effect;
  /**
   * Null when the apply's outcome (the recipe's own result, inside its transaction, just
   * before commit) does what the plan showed; otherwise a sentence that says what changed.
   */
  drift: (planned: Effect, outcome: RecipeResult<unknown>, input: V) => string | null;
  /** The exact text the person types to confirm (an instance key, batch tag, actor); null for none. */
  typed?: (input: V, planned: Effect) => string | null;
}

/** What a preview's answer says of the approval its plan's apply needs (null: none). */
export interface ApprovalNeed {
  /** The policy for the plan, true of every way it may be applied (live or kept, for an instantiate dry run). */
  sentence: string;
  approvers: number;
  minRole: 'operator' | 'lead';
  /** Each apply mode of the plan that needs approval, with its line's sentence; a request names one. */
  modes: { mode: 'live' | 'durable' | 'dry_run'; sentence: string }[];
  /** The request already made for this plan, if any. */
  requestId: number | null;
  status: string | null;
}

export type ActionResult<T> =
  | {
      ok: true;
      decision: 'ok';
      status: string;
      committed: boolean;
      message: string;
      result: T;
      actor: string;
      auditId: number | null;
      /** The plan a successful preview made (apply it by its id), or the plan an apply ran. */
      plan?: PlanView;
      /** For a preview: the approval its plan's apply needs under the policy. */
      approval?: ApprovalNeed | null;
    }
  | {
      ok: false;
      decision: Exclude<AuditDecision, 'ok'>;
      status: string;
      message: string;
      committed: boolean;
      issues?: FieldIssue[];
      actor?: string;
      auditId: number | null;
      /** The plan an apply named, when it was refused (plan_stale, plan_used, …). */
      planId?: number;
      /** The approval request an apply was refused for (approval_pending, approval_rejected). */
      requestId?: number;
    };

export interface Caller {
  db: Database;
  identity: Identity | null;
  request: RequestInfo;
  /** The role written to the audit row when it is not the identity's (the CLI records 'cli'). */
  auditRole?: string;
}

/** Fields every action accepts: a reason, and a run tag (validated) that follows the user name. */
export const reasonField = z
  .string()
  .max(2000, 'The reason is at most 2000 characters.')
  .optional()
  .transform((s) => (s && s.trim() ? s.trim() : undefined));

/**
 * What a route hands the wrapper when the request body could not be read as JSON: the attempt
 * is still refused by the wrapper, with its sentence and its audit row, like any bad input.
 */
export class UnreadableBody {
  constructor(readonly why: string) {}
}

/** FormData (from a form, with React's own $ACTION fields dropped) or an object, as a plain object. */
export function toPlainInput(raw: unknown): Record<string, unknown> {
  if (raw && typeof (raw as FormData).entries === 'function' && typeof (raw as FormData).getAll === 'function') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of (raw as FormData).entries()) {
      if (k.startsWith('$ACTION')) continue;
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return { ...(raw as Record<string, unknown>) };
  return {};
}

/** The fields an apply adds to a recipe's input: the plan it applies, the typed confirmation, a break-glass. */
export interface ApplyFields {
  planId?: number | string;
  confirmText?: string;
  /** A lead's apply without the approval the policy asks for; flagged in the audit trail. */
  breakGlass?: boolean;
}

/** What a call site hands an action: the definition's input (plus an apply's fields), or a form. */
export type ActionInput<S extends z.ZodType<Record<string, unknown>>> = (z.input<S> & ApplyFields) | FormData;

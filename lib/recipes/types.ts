// Result types shared by every recipe. A refusal is a value, never an exception.
import type { Database } from '@/db/client';

/** Statuses the substrate's functions return. */
export const SUBSTRATE_STATUSES = [
  'ok',
  'idempotent_replay',
  'invalid_input',
  'invalid_emit_mode',
  'composer_gate_closed',
  'live_gate_closed',
  'collection_key_collision',
  'piece_not_found',
  'canonical_address_collision',
  'collection_not_found',
  'already_marked',
  'template_not_marked',
  'version_conflict',
  'previous_version_mismatch',
  'template_collection_not_found',
  'template_has_no_active_pieces',
  'instance_collection_key_collision',
] as const;

/** Statuses the engine adds around the substrate. */
export const ENGINE_STATUSES = ['busy', 'gate_leak', 'substrate_unavailable', 'cancelled', 'forbidden_gate'] as const;

/** Statuses the console's pipeline answers with around the engine: plans, confirmation, jobs. */
export const CONSOLE_STATUSES = [
  'plan_required',
  'plan_expired',
  'plan_used',
  'plan_stale',
  'confirmation_required',
  'denied',
  'unauthenticated',
  'error',
  'not_found',
  'not_running',
  'batch_not_isolated',
  'approval_required',
  'approval_pending',
  'approval_rejected',
  'approval_closed',
] as const;

export type SubstrateStatus = (typeof SUBSTRATE_STATUSES)[number];
export type EngineStatus = (typeof ENGINE_STATUSES)[number];
export type ConsoleStatus = (typeof CONSOLE_STATUSES)[number];
export type Status = SubstrateStatus | EngineStatus | ConsoleStatus;

export interface FieldIssue {
  field: string;
  message: string;
}

export interface Refusal {
  ok: false;
  status: Exclude<Status, 'ok'>;
  /** A sentence a person can act on. */
  message: string;
  /** Nothing was written when false; for auto-instantiate refusals the log row may be. */
  committed: boolean;
  issues?: FieldIssue[];
  /** Which step of a multi-call recipe refused. */
  step?: string;
  detail?: Record<string, unknown>;
}

export interface Success<T> {
  ok: true;
  status: 'ok' | 'idempotent_replay';
  /** false for previews and dry runs that were rolled back. */
  committed: boolean;
  result: T;
}

export type RecipeResult<T> = Success<T> | Refusal;

/** Who runs the recipe and how long to wait for a gate another transaction holds. */
export interface RecipeContext {
  db: Database;
  /** The signed-in person (or the OS user for the CLI); never taken from a form. */
  user: string;
  /** Optional run tag: the actor recorded becomes `<user>:<tag>`. */
  runTag?: string;
  /** How long to wait for a gate row held by another transaction; default IU_GATE_WAIT_MS or 5000. */
  gateWaitMs?: number;
  /**
   * Called inside the recipe's transaction just before it commits or rolls back, with the
   * outcome: the console writes its audit row here so it lands with the recipe.
   */
  beforeFinish?: (tx: Tx, outcome: RecipeResult<unknown>) => Promise<void>;
  /**
   * Called inside the transaction of an outcome that is about to commit, before
   * beforeFinish: a refusal here replaces the outcome and the transaction rolls back. The
   * console binds an apply to its plan here (the effect must equal the plan's, and the plan
   * is used up in this same transaction).
   */
  verify?: (tx: Tx, outcome: RecipeResult<unknown>) => Promise<Refusal | null>;
  /** The signed-in person's role, for rules that depend on it (a lead may cancel anyone's job). */
  role?: string | null;
}

/** The transaction handle recipes run their SQL on. */
export type Tx = Parameters<Parameters<Database['orm']['transaction']>[0]>[0];

export type GateKey =
  | 'iu_core.composer_enabled'
  | 'iu_core.auto_instantiate_enabled'
  | 'iu_core.delivery_enabled'
  | 'iu_core.retention_enabled';

/** The only gates a recipe may ever open. */
export const OPENABLE_GATES = ['iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled'] as const;
export type OpenableGate = (typeof OPENABLE_GATES)[number];

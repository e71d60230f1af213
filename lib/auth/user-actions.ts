// What each console action is: its role, input, mode, whether it needs a reason, and the
// recipe it runs. The server actions and route handlers bind these to the request; tests
// run them directly with an identity.
import { z } from 'zod';
import {
  bulkInputSchema,
  bulkScaleOut,
  closeAllGates,
  instantiateFromEvent,
  instantiateInputSchema,
  plannedInstanceKey,
  rollbackByActor,
  runTagSchema,
  type BulkItem,
  type BulkProgress,
  type BulkResult,
  type InstantiateResult,
  type LivePrediction,
  type RecipeResult,
  type RollbackResult,
} from '@/lib/recipes';
import { verifyPassword } from 'better-auth/crypto';
import { reasonField, runAdminTransaction, type ActionDefinition, type Caller } from '@/lib/auth/authorize';
import { countDrift, type Effect } from '@/lib/auth/plans';
import { createHash } from 'node:crypto';
import type { Identity, RequestInfo } from '@/lib/auth/identity';
import { sanitizeError } from '@/lib/log/redact';
import { claimSignInAttempt, releaseSignInAttempt, signInLimits, type SignInLimits } from '@/lib/auth/signin-limits';
import {
  createUser,
  credentialHash,
  findUser,
  lockSignInLeads,
  oneTimePassword,
  optionalRoleSchema,
  passwordSchemaFor,
  replaceOwnPassword,
  resetPassword,
  setDisabled,
  setRole,
  UserAdminError,
  usernameSchema,
} from '@/lib/auth/users';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import type { RecipeContext, Tx } from '@/lib/recipes/types';
import { rowsOf, type Database } from '@/db/client';
import { sql } from 'drizzle-orm';
import type { AuditMode } from '@/lib/auth/audit';

const checkbox = z
  .union([z.boolean(), z.literal('on'), z.literal('true'), z.literal('false'), z.literal('')])
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true');

// `actor`, `user` or any other unknown field a form adds is stripped here: the user part of
// the actor comes from the session only.
export const instantiateActionInput = instantiateInputSchema.extend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

function instantiateMode(v: Record<string, unknown>): AuditMode {
  if (v.preview === true || v.preview === 'on' || v.preview === 'true') return 'preview';
  return v.emitMode === 'live' ? 'live' : 'dry_run';
}

/** What one instantiate call did or would do: its status and the instance key it names. */
interface InstantiateEffect {
  status: string;
  instanceCollectionKey: string | null;
}

function instantiateEffectOf(o: RecipeResult<unknown>): InstantiateEffect {
  const r = o.ok ? (o.result as InstantiateResult) : null;
  return { status: o.status, instanceCollectionKey: r?.instanceCollectionKey ?? null };
}

export const instantiateFromEventDefinition: ActionDefinition<typeof instantiateActionInput, InstantiateResult> = {
  name: 'instantiate_from_event',
  role: 'operator',
  input: instantiateActionInput,
  mode: instantiateMode,
  // every commit needs a reason: a live run, and a kept dry run (its dryrun: instance stays
  // until a rollback by actor removes it)
  reasonRequired: (v) => !v.preview,
  run: async (ctx, v) => {
    const r = await instantiateFromEvent(ctx, { ...v, commit: !v.preview });
    if (!v.preview || !r.ok || v.emitMode === 'live') return r;
    // a dry run also says what a live run of the same parameters would do now, from a live
    // call in a transaction of its own that rolls back: that is what its plan binds
    const live = await instantiateFromEvent({ db: ctx.db, user: ctx.user, runTag: ctx.runTag, gateWaitMs: ctx.gateWaitMs }, { ...v, emitMode: 'live', commit: false });
    const livePrediction: LivePrediction = live.ok
      ? { status: live.status, instanceCollectionKey: live.result.instanceCollectionKey, instanceCollectionId: live.result.instanceCollectionId, originalEventLogId: live.result.originalEventLogId, message: null }
      : { status: live.status, instanceCollectionKey: null, instanceCollectionId: null, originalEventLogId: null, message: live.message };
    return { ...r, result: { ...r.result, livePrediction } };
  },
  // a live run or a kept dry run applies a dry run's plan: the same event, template, suffix,
  // note and tag, and the outcome that dry run showed for that mode
  plan: {
    applies: (v) => !v.preview,
    params: (v) => ({ eventId: v.eventId.toLowerCase(), eventType: v.eventType, templateCollectionId: v.templateCollectionId.toLowerCase(), uniqueSuffix: v.uniqueSuffix, note: v.note ?? null, runTag: v.runTag ?? null }),
    effect: (o) => {
      const own = instantiateEffectOf(o);
      const live = o.result.emitMode === 'live' ? own : o.result.livePrediction;
      // the key a live run makes, whatever the prediction (a refused one names no instance)
      const liveKey = own.instanceCollectionKey?.startsWith('dryrun:') ? `inst:${own.instanceCollectionKey.slice('dryrun:'.length)}` : (live?.instanceCollectionKey ?? own.instanceCollectionKey);
      return {
        [o.result.emitMode]: own,
        ...(live ? { live: { status: live.status, instanceCollectionKey: live.instanceCollectionKey } } : {}),
        liveKey,
      };
    },
    drift: (planned, o, v) => {
      const want = planned[v.emitMode] as InstantiateEffect | undefined;
      const got = instantiateEffectOf(o);
      if (!want) return `This plan did not preview a ${v.emitMode} run; run the dry run again, then confirm.`;
      if (want.status === got.status && want.instanceCollectionKey === got.instanceCollectionKey) return null;
      return (
        `Your dry run showed a ${v.emitMode} run would answer ${want.status}${want.instanceCollectionKey ? ` (${want.instanceCollectionKey})` : ''}; ` +
        `now it would answer ${got.status}${got.instanceCollectionKey ? ` (${got.instanceCollectionKey})` : ''}. Nothing was written: run the dry run again.`
      );
    },
    // live needs the instance key typed; keeping a dry-run instance needs only a reason
    typed: (v, planned) => (v.emitMode === 'live' ? String(planned.liveKey ?? (planned.live as InstantiateEffect | undefined)?.instanceCollectionKey ?? '') : null),
  },
  summarize: (o) =>
    o.ok
      ? `${o.status}: ${o.result.emitMode} instance ${o.result.instanceCollectionKey ?? '—'} (${o.result.pieceCount ?? 0} pieces), actor ${o.result.actor}${o.committed ? '' : ', rolled back'}`
      : `${o.status}: ${o.message}`,
};

/** The key a live instance of this template and suffix gets, named after 033's rule. */
async function liveInstanceKey(db: Database, templateCollectionId: string, uniqueSuffix: string): Promise<string> {
  const rows = rowsOf<{ collection_key: string }>(await db.orm.execute(sql`SELECT collection_key FROM iu_piece_collection WHERE id = ${templateCollectionId}::uuid`));
  return rows[0] ? plannedInstanceKey('live', rows[0].collection_key, uniqueSuffix) : '';
}

export const bulkActionInput = bulkInputSchema.extend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

/** The per-item outcomes of a bulk, as one digest: a plan binds every item's status and key. */
export function bulkDigest(items: readonly Pick<BulkItem, 'index' | 'status' | 'instanceCollectionKey'>[]): string {
  const h = createHash('sha256');
  for (const i of items) h.update(`${i.index}\u0000${i.status}\u0000${i.instanceCollectionKey ?? ''}\n`);
  return h.digest('hex');
}

type BulkActionResult = Omit<BulkResult, 'items'> & { itemCount: number; digest: string };

/** The bulk's answer without its (up to 10,000) items: the counts and the items' digest. */
function withoutItems(r: RecipeResult<BulkResult>): RecipeResult<BulkActionResult> {
  if (!r.ok) return r;
  const { items, ...rest } = r.result;
  return { ...r, result: { ...rest, itemCount: items.length, digest: bulkDigest(items) } };
}

const countsLine = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n.toLocaleString('en')}`)
    .join(', ');

export const bulkScaleOutDefinition: ActionDefinition<typeof bulkActionInput, BulkActionResult> = {
  name: 'bulk_scale_out',
  role: 'operator',
  input: bulkActionInput,
  mode: instantiateMode,
  // a live run, and keeping a dry run's dryrun: instances, both commit: both need a reason
  reasonRequired: (v) => !v.preview,
  // the run applies the preflight's plan: the same batch, and every item's outcome as it showed
  plan: {
    applies: (v) => !v.preview,
    params: (v) => ({ templateCollectionId: v.templateCollectionId?.toLowerCase() ?? null, templateKey: v.templateKey ?? null, eventType: v.eventType, n: v.n, uuidPrefix: v.uuidPrefix.toLowerCase(), batchTag: v.batchTag, emitMode: v.emitMode, note: v.note ?? null, runTag: v.runTag ?? null }),
    effect: (o) => ({ emitMode: o.result.emitMode, total: o.result.total, counts: o.result.counts, digest: o.result.digest }),
    drift: (planned, o) => {
      if (!o.ok) return `Your preflight showed ${countsLine(planned.counts as Record<string, number>)}; now the run answers ${o.status}. Nothing was written: run the preflight again.`;
      const r = o.result as BulkResult | BulkActionResult;
      const digest = 'items' in r ? bulkDigest(r.items) : r.digest;
      if (digest === planned.digest) return null;
      return `Your preflight showed ${countsLine(planned.counts as Record<string, number>)}; now the batch would give ${countsLine(r.counts)}. Nothing was written: run the preflight again.`;
    },
    typed: (v) => (v.emitMode === 'live' ? v.batchTag : null),
  },
  run: async (ctx, v) => withoutItems(await bulkScaleOut(ctx, { ...v, commit: !v.preview })),
  summarize: (o) =>
    o.ok
      ? `${o.result.emitMode} bulk of ${o.result.total} as ${o.result.actor}: ${Object.entries(o.result.counts).map(([k, n]) => `${k} ${n}`).join(', ')}${o.committed ? '' : ', rolled back'}`
      : `${o.status}: ${o.message}`,
};

/** What a console bulk job hooks into the run: its start, its progress, its cancel, its items. */
export interface BulkJobHooks {
  /** Called once every check has passed, just before the recipe's transaction opens. */
  onStart: (ctx: RecipeContext, input: z.output<typeof bulkActionInput>) => Promise<void>;
  onProgress: (p: BulkProgress) => void | Promise<void>;
  /** The per-item outcomes of a run that finished (committed or rolled back by design). */
  onItems: (items: BulkItem[]) => void;
  /** Inside the run's transaction just before it commits: the job's record lands with the batch. */
  onCommit: (tx: Tx, result: BulkResult) => Promise<void>;
  signal: AbortSignal;
}

/**
 * The bulk scale-out as a console job: the same name, input, reason rule and confirm rule
 * (preview + typed batch tag for live) as bulkScaleOutDefinition, so it is the same action
 * to the wrapper and the audit trail; only the run reports progress and can be cancelled.
 */
export function bulkScaleOutJobDefinition(hooks: BulkJobHooks): typeof bulkScaleOutDefinition {
  return {
    ...bulkScaleOutDefinition,
    run: async (ctx, v) => {
      await hooks.onStart(ctx, v);
      const inTx: RecipeContext = {
        ...ctx,
        async beforeFinish(tx, o) {
          if (o.committed && o.ok) await hooks.onCommit(tx, o.result as BulkResult);
          await ctx.beforeFinish?.(tx, o);
        },
      };
      const r = await bulkScaleOut(inTx, { ...v, commit: !v.preview, signal: hooks.signal, onProgress: hooks.onProgress });
      if (r.ok) hooks.onItems(r.result.items);
      return withoutItems(r);
    },
  };
}

export const rollbackActionInput = z.object({
  targetActor: z
    .string({ error: 'The actor to roll back is required.' })
    .trim()
    .min(1, 'The actor to roll back is required.')
    .max(200, 'The actor is at most 200 characters.'),
  durable: checkbox,
  reason: reasonField,
});

export const rollbackByActorDefinition: ActionDefinition<typeof rollbackActionInput, RollbackResult> = {
  name: 'rollback_by_actor',
  role: 'lead',
  input: rollbackActionInput,
  mode: (v) => (v.durable === true || v.durable === 'on' || v.durable === 'true' ? 'durable' : 'dry_run'),
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
    o.ok ? `${o.result.dryRun ? 'would roll back' : 'rolled back'} ${o.result.instanceCount} instance(s) of ${o.result.actor}` : `${o.status}: ${o.message}`,
};

export const closeGatesActionInput = z.object({ preview: checkbox, reason: reasonField });

/** The phrase a lead types to close every gate. */
export const CLOSE_GATES_PHRASE = 'close all gates';

export const closeAllGatesDefinition: ActionDefinition<typeof closeGatesActionInput, string[]> = {
  name: 'close_all_gates',
  role: 'lead',
  input: closeGatesActionInput,
  mode: (v) => (v.preview === true || v.preview === 'on' || v.preview === 'true' ? 'preview' : 'admin'),
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
      return want === got ? null : `Your preview showed open gates: ${want}; now: ${got}. Nothing was changed: look again, then confirm.`;
    },
    typed: () => CLOSE_GATES_PHRASE,
  },
  summarize: (o) =>
    o.ok ? (o.committed ? (o.result.length ? `closed ${o.result.join(', ')}` : 'no gate was open') : `open: ${o.result.join(', ') || 'none'}`) : `${o.status}: ${o.message}`,
};

/** The gates open in committed data, as a preview of closing them (nothing is written). */
async function openGates(db: Database): Promise<RecipeResult<string[]>> {
  const rows = rowsOf<{ key: string }>(await db.orm.execute(sql`SELECT key FROM dot_config WHERE key LIKE 'iu_core.%' AND value <> 'false' ORDER BY key`));
  return { ok: true, status: 'ok', committed: false, result: rows.map((r) => r.key) };
}

// ---- user admin (lead) ----------------------------------------------------------------

export interface UserAdminResult {
  username: string;
  role: string | null;
  disabled: boolean;
  /** Shown once, to the lead who added the user or reset the password. */
  oneTimePassword?: string;
}

/**
 * Refuses a change that would leave no lead who can sign in: nobody could manage users any
 * more. The lead rows stay locked until the admin transaction ends, so two such changes at
 * once are decided one after the other (see lockSignInLeads).
 */
async function lastLeadRefusal(tx: Tx, username: string, keepsLead: boolean): Promise<RecipeResult<UserAdminResult> | null> {
  if (keepsLead) return null;
  const leads = await lockSignInLeads(tx, { ssoSignIn: trustedHeaderConfig().enabled });
  const name = username.trim().toLowerCase();
  if (!leads.includes(name) || leads.length > 1) return null;
  const message = `${name} is the last enabled lead who can sign in; make someone else a lead first, or nobody could manage users.`;
  return { ok: false, status: 'invalid_input', committed: false, message, issues: [{ field: 'username', message }] };
}

function adminRefusal(err: unknown): RecipeResult<UserAdminResult> {
  if (err instanceof UserAdminError) {
    return { ok: false, status: 'invalid_input', committed: false, message: err.message, issues: [{ field: 'username', message: err.message }] };
  }
  // the failed query's parameters hold a password hash: the wrapper logs and records what is thrown
  throw sanitizeError(err, 'The user change failed');
}

/** One user change in the admin transaction: its row as the result, or a refusal naming the field. */
async function userChange(
  change: () => Promise<Pick<UserAdminResult, 'username' | 'role' | 'disabled'>>,
  oneTimePassword?: string,
): Promise<RecipeResult<UserAdminResult>> {
  try {
    const u = await change();
    return { ok: true, status: 'ok', committed: false, result: { username: u.username, role: u.role, disabled: u.disabled, ...(oneTimePassword ? { oneTimePassword } : {}) } };
  } catch (err) {
    return adminRefusal(err);
  }
}

export const addUserActionInput = z.object({ username: usernameSchema, role: optionalRoleSchema, reason: reasonField });

export const addUserDefinition: ActionDefinition<typeof addUserActionInput, UserAdminResult> = {
  name: 'user_add',
  role: 'lead',
  input: addUserActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const password = oneTimePassword();
      return userChange(() => createUser(tx, { username: v.username, password, role: v.role, mustChangePassword: true }), password);
    }),
  summarize: (o) => (o.ok ? `added ${o.result.username} with role ${o.result.role ?? 'none'} (one-time password)` : `${o.status}: ${o.message}`),
};

export const setRoleActionInput = z.object({ username: usernameSchema, role: optionalRoleSchema, reason: reasonField });

export const setRoleDefinition: ActionDefinition<typeof setRoleActionInput, UserAdminResult> = {
  name: 'user_set_role',
  role: 'lead',
  input: setRoleActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const last = await lastLeadRefusal(tx, v.username, v.role === 'lead');
      if (last) return last;
      return userChange(() => setRole(tx, v.username, v.role));
    }),
  summarize: (o) => (o.ok ? `set ${o.result.username}'s role to ${o.result.role ?? 'none'}` : `${o.status}: ${o.message}`),
};

export const setDisabledActionInput = z.object({ username: usernameSchema, disabled: checkbox, reason: reasonField });

export const setDisabledDefinition: ActionDefinition<typeof setDisabledActionInput, UserAdminResult> = {
  name: 'user_set_disabled',
  role: 'lead',
  input: setDisabledActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      if (v.disabled && v.username === ctx.user) {
        return { ok: false, status: 'invalid_input', committed: false, message: 'You cannot disable yourself; ask another lead.' } as RecipeResult<UserAdminResult>;
      }
      const last = await lastLeadRefusal(tx, v.username, !v.disabled);
      if (last) return last;
      return userChange(() => setDisabled(tx, v.username, v.disabled));
    }),
  summarize: (o) => (o.ok ? `${o.result.disabled ? 'disabled' : 'enabled'} ${o.result.username}` : `${o.status}: ${o.message}`),
};

export const resetPasswordActionInput = z.object({ username: usernameSchema, reason: reasonField });

export const resetPasswordDefinition: ActionDefinition<typeof resetPasswordActionInput, UserAdminResult> = {
  name: 'user_reset_password',
  role: 'lead',
  input: resetPasswordActionInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  run: (ctx, v) =>
    runAdminTransaction(ctx, async (tx) => {
      const password = oneTimePassword();
      return userChange(() => resetPassword(tx, v.username, password, true), password);
    }),
  summarize: (o) => (o.ok ? `reset ${o.result.username}'s password (one-time)` : `${o.status}: ${o.message}`),
};

// ---- a person's own password (any signed-in person with a console password) ------------

export interface PasswordChangeResult {
  username: string;
  /** Sessions of this person on other browsers, ended by the change. */
  otherSessionsEnded: number;
}

/** The form's fields; every key holds "password", so auditParams keeps none of them. */
export function changeOwnPasswordActionInput(username: string) {
  return z
    .object({
      currentPassword: z.string({ error: 'Type your current password.' }).min(1, 'Type your current password.'),
      newPassword: passwordSchemaFor(username),
      newPasswordAgain: z.string({ error: 'Type the new password again.' }),
    })
    .refine((v) => v.newPassword === v.newPasswordAgain, { path: ['newPasswordAgain'], message: 'The two new passwords differ; type the same one twice.' })
    .refine((v) => v.newPassword !== v.currentPassword, { path: ['newPassword'], message: 'Choose a password other than the current one.' });
}

const passwordRefusal = (field: string, message: string): RecipeResult<PasswordChangeResult> => ({
  ok: false,
  status: 'invalid_input',
  committed: false,
  message,
  issues: [{ field, message }],
});

/**
 * A person's own password change, the one way to do it (better-auth's /change-password is
 * closed): the current password is checked, counted like a sign-in (a stolen session cannot
 * guess it faster than the sign-in page could), the new one must pass the strength rule, and
 * the person's other sessions end. `sessionId` is the session making the change, which stays.
 */
export function changeOwnPasswordDefinition(opts: {
  username: string;
  sessionId: string | null;
  address: string | null;
  /** The sign-in limits from the environment unless given. */
  limits?: SignInLimits;
}): ActionDefinition<ReturnType<typeof changeOwnPasswordActionInput>, PasswordChangeResult> {
  return {
    name: 'password_change',
    // every role may change its own password; selfServiceCaller lets a person with none through
    role: 'viewer',
    input: changeOwnPasswordActionInput(opts.username),
    mode: () => 'admin',
    run: async (ctx, v) => {
      try {
        return await changeOwnPassword(ctx, v, opts);
      } catch (err) {
        // a failed query here carries a password hash or a session id as a parameter
        throw sanitizeError(err, 'The password could not be changed');
      }
    },
    summarize: (o) => (o.ok ? `${o.result.username} changed their password; ${o.result.otherSessionsEnded} other session(s) ended` : `${o.status}: ${o.message}`),
  };
}

async function changeOwnPassword(
  ctx: RecipeContext,
  v: z.output<ReturnType<typeof changeOwnPasswordActionInput>>,
  opts: { sessionId: string | null; address: string | null; limits?: SignInLimits },
): Promise<RecipeResult<PasswordChangeResult>> {
  const me = await findUser(ctx.db.orm, ctx.user);
  const hash = me ? await credentialHash(ctx.db.orm, me.id) : null;
  if (!me || !hash) {
    return passwordRefusal('currentPassword', 'Your account has no console password: you sign in through your company sign-in proxy, so change your password there.');
  }
  const attempt = { username: me.username, address: opts.address };
  const blocked = await claimSignInAttempt(ctx.db.orm, attempt, opts.limits ?? signInLimits());
  if (blocked) {
    return passwordRefusal('currentPassword', `Too many wrong passwords for ${me.username}; wait ${blocked.retryAfterSeconds} seconds and try again. Nothing was changed.`);
  }
  if (!(await verifyPassword({ hash, password: v.currentPassword }))) {
    return passwordRefusal('currentPassword', 'The current password is wrong; nothing was changed.');
  }
  await releaseSignInAttempt(ctx.db.orm, attempt);
  return runAdminTransaction(ctx, async (tx) => {
    const ended = await replaceOwnPassword(tx, me.id, v.newPassword, opts.sessionId);
    return { ok: true, status: 'ok', committed: false, result: { username: me.username, otherSessionsEnded: ended } };
  });
}

/**
 * The wrapper's caller for a person changing their own password. The wrapper denies every
 * action until a one-time password is changed, and everything to a person with no role; this
 * one action is exactly how both get out of that, so the identity it sees has the flag
 * cleared and at least the viewer role, while the audit row records the role they really
 * have ('none' for no role).
 */
export function selfServiceCaller(db: Database, me: Identity, request: RequestInfo): Caller {
  return { db, identity: { ...me, mustChangePassword: false, role: me.role ?? 'viewer' }, request, auditRole: me.role ?? 'none' };
}

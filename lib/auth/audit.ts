// Writing and reading the console audit trail (migration 041).
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Orm } from '@/db/client';
import { consoleAuditLog } from '@/db/auth-schema';
import { isRealDay, oneOf, single, wholeNumber } from '@/lib/http/query';
import type { Tx } from '@/lib/recipes/types';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';

export type AuditMode = 'preview' | 'dry_run' | 'live' | 'durable' | 'admin';
export type AuditDecision = 'ok' | 'refused' | 'denied' | 'invalid' | 'error' | 'unauthenticated';

/**
 * The security events the audit trail records besides actions: sign-ins (ok, failed, refused
 * by the limits), sign-outs, sessions found expired, a person's own password change, and
 * requests refused for their API token (`token_use`: malformed, unknown, revoked, expired, or
 * its owner disabled).
 */
export const SECURITY_RECIPES = ['sign_in', 'sign_out', 'session_end', 'password_change', 'token_use'] as const;
export type SecurityRecipe = (typeof SECURITY_RECIPES)[number];

export interface AuditEntry {
  startedAt: Date;
  username: string;
  role: string | null;
  recipe: string;
  params: Record<string, unknown>;
  mode: AuditMode;
  decision: AuditDecision;
  status: string;
  summary: string;
  actor: string | null;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  committed: boolean;
  /** Set on a successful preview or dry run: what a later live step must match. */
  previewKey?: string | null;
  /** The plan a preview made or an apply ran (045). */
  planId?: number | null;
  /** The API token the request came with, in words (052); null for a session or a proxy sign-in. */
  via?: string | null;
}

export type AuditRow = AuditEntry & { id: number; finishedAt: Date };

// What PostgreSQL refuses to store (NUL in text; a lone surrogate in jsonb) and what would
// disguise a row when read (other control characters), for the escape below.
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udfff]/gu;

/**
 * `s` with each control character and each half of a broken UTF-16 pair written as a visible
 * `\u0000`-style escape, so a refused attempt's row can always be written and read plainly.
 */
export function storable(s: string): string;
export function storable(s: string | null): string | null;
export function storable(s: string | null): string | null {
  if (s === null) return null;
  // `u` flag: a well-formed pair is one code point and never matches the surrogate range
  return s.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function storableDeep(v: unknown): unknown {
  if (typeof v === 'string') return storable(v);
  if (Array.isArray(v)) return v.map(storableDeep);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [storable(k), storableDeep(x)]),
    );
  }
  return v;
}

/** Inserts one audit row on `db` (the recipe's transaction, or the database itself). */
export async function writeAudit(db: Orm | Tx, e: AuditEntry): Promise<number> {
  const [row] = await db
    .insert(consoleAuditLog)
    .values({
      ...e,
      username: storable(e.username),
      recipe: storable(e.recipe),
      params: storableDeep(e.params) as Record<string, unknown>,
      status: storable(e.status),
      summary: storable(e.summary.slice(0, 2000)),
      actor: storable(e.actor),
      reason: storable(e.reason),
      via: storable(e.via ?? null),
      ip: storable(e.ip),
      userAgent: storable(e.userAgent === null ? null : e.userAgent.slice(0, 500)),
      finishedAt: sql`clock_timestamp()` as unknown as Date,
    })
    .returning({ id: consoleAuditLog.id });
  return row.id;
}

const SECRET_KEY = /password|secret|token|cookie/i;

function keep(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return storable(v.length > 500 ? `${v.slice(0, 500)}…` : v);
  if (depth > 6) return '…';
  if (Array.isArray(v)) return v.map((x) => keep(x, depth + 1));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k.startsWith('$ACTION') || SECRET_KEY.test(k)) continue;
      out[storable(k)] = keep(x, depth + 1);
    }
    return out;
  }
  return v;
}

/**
 * What to keep of the submitted input: no secrets, no framework fields, bounded size. Nested
 * inputs (a compose's pieces) are kept as objects, each long text cut at 500 characters.
 */
export function auditParams(raw: Record<string, unknown>): Record<string, unknown> {
  const out = keep(raw, 0) as Record<string, unknown>;
  const json = JSON.stringify(out);
  return json.length > 20_000 ? { truncated: json.slice(0, 20_000) } : out;
}

/** The newest audit rows first, optionally one user's, paged by id. */
export interface AuditFilters {
  username?: string;
  recipe?: string;
  mode?: AuditMode;
  decision?: AuditDecision;
  /** `security`: only sign-ins, sign-outs, session ends, password changes and refused API tokens. */
  kind?: 'security';
  /** UTC days, inclusive: YYYY-MM-DD. */
  from?: string;
  to?: string;
  /** Keyset: rows older than this id. */
  beforeId?: number;
  /** Exactly this row (a result's link to its audit row). */
  id?: number;
  limit?: number;
}

const MODES: AuditMode[] = ['preview', 'dry_run', 'live', 'durable', 'admin'];
const DECISIONS: AuditDecision[] = ['ok', 'refused', 'denied', 'invalid', 'error', 'unauthenticated'];

/** The audit filters from a URL's query (the page and the export share them); unknown values are dropped. */
export function parseAuditFilters(q: URLSearchParams): AuditFilters {
  return readAuditQuery(q).filters;
}

/**
 * The audit filters and, as sentences, every value that could not be read (an unknown mode,
 * a day that does not exist, a non-numeric id): the page drops those, the export answers 400.
 */
export function readAuditQuery(q: URLSearchParams): { filters: AuditFilters; problems: string[] } {
  const problems: string[] = [];
  const text = (k: string) => {
    const v = single(q, k, problems)?.trim();
    if (v && v.length > 200) problems.push(`${k} is at most 200 characters.`);
    return v ? v.slice(0, 200) : undefined;
  };
  const day = (k: string) => {
    const v = single(q, k, problems)?.trim();
    if (!v) return undefined;
    if (isRealDay(v)) return v;
    problems.push(`${k} must be a real day written YYYY-MM-DD; "${v.slice(0, 40)}" is not.`);
    return undefined;
  };
  return {
    filters: {
      username: text('username'),
      recipe: text('recipe'),
      mode: oneOf(q, 'mode', MODES, problems),
      decision: oneOf(q, 'decision', DECISIONS, problems),
      kind: oneOf(q, 'kind', ['security'] as const, problems),
      from: day('from'),
      to: day('to'),
      beforeId: wholeNumber(q, 'before', 1, Number.MAX_SAFE_INTEGER, problems),
      id: wholeNumber(q, 'id', 1, Number.MAX_SAFE_INTEGER, problems),
    },
    problems,
  };
}

/** Audit rows matching the filters, newest first, keyset-paged by id. */
export async function listAudit(db: Orm, opts: AuditFilters = {}): Promise<AuditRow[]> {
  const conds = [];
  if (opts.username) conds.push(eq(consoleAuditLog.username, opts.username));
  if (opts.recipe) conds.push(eq(consoleAuditLog.recipe, opts.recipe));
  if (opts.mode) conds.push(eq(consoleAuditLog.mode, opts.mode));
  if (opts.decision) conds.push(eq(consoleAuditLog.decision, opts.decision));
  if (opts.kind === 'security') conds.push(inArray(consoleAuditLog.recipe, [...SECURITY_RECIPES]));
  if (opts.from) conds.push(gte(consoleAuditLog.startedAt, new Date(`${opts.from}T00:00:00Z`)));
  if (opts.to) conds.push(lt(consoleAuditLog.startedAt, new Date(Date.parse(`${opts.to}T00:00:00Z`) + 86_400_000)));
  if (opts.beforeId) conds.push(lt(consoleAuditLog.id, opts.beforeId));
  if (opts.id) conds.push(eq(consoleAuditLog.id, opts.id));
  const rows = await db
    .select()
    .from(consoleAuditLog)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(consoleAuditLog.id))
    .limit(Math.min(opts.limit ?? 200, 5000));
  return rows as AuditRow[];
}

/** One audit row by its id (an action result's auditId), or null. */
export async function getAuditRow(db: Orm, id: number): Promise<AuditRow | null> {
  if (!Number.isInteger(id) || id <= 0) return null;
  return (await listAudit(db, { id, limit: 1 }))[0] ?? null;
}

/** The recipes that appear in the audit trail, for the filter's choices. */
export async function listAuditRecipes(db: Orm): Promise<string[]> {
  const rows = await db
    .selectDistinct({ recipe: consoleAuditLog.recipe })
    .from(consoleAuditLog)
    .orderBy(consoleAuditLog.recipe);
  return rows.map((r) => r.recipe);
}

export interface SecurityEvent {
  recipe: SecurityRecipe;
  /** The signed-in person, or for a failed sign-in the name that was tried. */
  username: string;
  role: string | null;
  decision: AuditDecision;
  status: string;
  summary: string;
  ip: string | null;
  userAgent: string | null;
  params?: Record<string, unknown>;
  /** The API token the event concerns, in the words of an action's row (`token "nightly" (iuc_Ab12Cd34…, read)`). */
  via?: string | null;
}

/**
 * Writes a security event's audit row in a transaction of its own and says it on the server
 * log, naming the user and the client address. Never a password, a token or a cookie: the
 * callers pass none, and `params` goes through the same filter as an action's input.
 * A failure to write is logged, not thrown: a sign-in is not refused because its record failed.
 */
export async function recordSecurityEvent(db: Orm, e: SecurityEvent): Promise<void> {
  const line = {
    event: e.recipe,
    user: storable(e.username.slice(0, 200)),
    address: e.ip,
    decision: e.decision,
    status: e.status,
  };
  if (e.decision === 'ok') log().info(line, e.summary);
  else log().warn(line, e.summary);
  try {
    await writeAudit(db, {
      startedAt: new Date(),
      username: e.username.slice(0, 200),
      role: e.role,
      recipe: e.recipe,
      params: auditParams(e.params ?? {}),
      mode: 'admin',
      decision: e.decision,
      status: e.status,
      summary: e.summary,
      actor: null,
      reason: null,
      ip: e.ip,
      userAgent: e.userAgent,
      committed: e.decision === 'ok',
      via: e.via ?? null,
    });
  } catch (err) {
    log().error(
      { event: e.recipe, user: line.user, address: e.ip, err: describeForLog(err) },
      'the audit row of a security event could not be written',
    );
  }
}

// Writing and reading the console audit trail (migration 041).
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Orm } from '@/db/client';
import { consoleAuditLog } from '@/db/auth-schema';
import type { Tx } from '@/lib/recipes/types';

export type AuditMode = 'preview' | 'dry_run' | 'live' | 'durable' | 'admin';
export type AuditDecision = 'ok' | 'refused' | 'denied' | 'invalid' | 'error' | 'unauthenticated';

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
}

export type AuditRow = AuditEntry & { id: number; finishedAt: Date };

/** Inserts one audit row on `db` (the recipe's transaction, or the database itself). */
export async function writeAudit(db: Orm | Tx, e: AuditEntry): Promise<number> {
  const [row] = await db
    .insert(consoleAuditLog)
    .values({ ...e, summary: e.summary.slice(0, 2000), finishedAt: sql`clock_timestamp()` as unknown as Date })
    .returning({ id: consoleAuditLog.id });
  return row.id;
}

const SECRET_KEY = /password|secret|token|cookie/i;

function keep(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.length > 500 ? `${v.slice(0, 500)}…` : v;
  if (depth > 6) return '…';
  if (Array.isArray(v)) return v.map((x) => keep(x, depth + 1));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k.startsWith('$ACTION') || SECRET_KEY.test(k)) continue;
      out[k] = keep(x, depth + 1);
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
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The audit filters from a URL's query (the page and the export share them); unknown values are dropped. */
export function parseAuditFilters(q: URLSearchParams): AuditFilters {
  const text = (k: string) => q.get(k)?.trim().slice(0, 200) || undefined;
  const mode = q.get('mode') as AuditMode | null;
  const decision = q.get('decision') as AuditDecision | null;
  const day = (k: string) => (DAY.test(q.get(k) ?? '') && !Number.isNaN(Date.parse(q.get(k)!)) ? q.get(k)! : undefined);
  const before = Number(q.get('before'));
  const id = Number(q.get('id'));
  return {
    username: text('username'),
    recipe: text('recipe'),
    mode: mode && MODES.includes(mode) ? mode : undefined,
    decision: decision && DECISIONS.includes(decision) ? decision : undefined,
    from: day('from'),
    to: day('to'),
    beforeId: Number.isInteger(before) && before > 0 ? before : undefined,
    id: Number.isInteger(id) && id > 0 ? id : undefined,
  };
}

/** Audit rows matching the filters, newest first, keyset-paged by id. */
export async function listAudit(db: Orm, opts: AuditFilters = {}): Promise<AuditRow[]> {
  const conds = [];
  if (opts.username) conds.push(eq(consoleAuditLog.username, opts.username));
  if (opts.recipe) conds.push(eq(consoleAuditLog.recipe, opts.recipe));
  if (opts.mode) conds.push(eq(consoleAuditLog.mode, opts.mode));
  if (opts.decision) conds.push(eq(consoleAuditLog.decision, opts.decision));
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
  const rows = await db.selectDistinct({ recipe: consoleAuditLog.recipe }).from(consoleAuditLog).orderBy(consoleAuditLog.recipe);
  return rows.map((r) => r.recipe);
}

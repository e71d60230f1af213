// Writing and reading the console audit trail (migration 041).
import { and, desc, eq, lt, sql } from 'drizzle-orm';
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

/** What to keep of the submitted input: no secrets, no framework fields, bounded size. */
export function auditParams(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith('$ACTION') || SECRET_KEY.test(k)) continue;
    out[k] = typeof v === 'string' && v.length > 500 ? `${v.slice(0, 500)}…` : v;
  }
  const json = JSON.stringify(out);
  return json.length > 20_000 ? { truncated: json.slice(0, 20_000) } : out;
}

/** The newest audit rows first, optionally one user's, paged by id. */
export async function listAudit(db: Orm, opts: { username?: string; beforeId?: number; limit?: number } = {}): Promise<AuditRow[]> {
  const conds = [];
  if (opts.username) conds.push(eq(consoleAuditLog.username, opts.username));
  if (opts.beforeId) conds.push(lt(consoleAuditLog.id, opts.beforeId));
  const rows = await db
    .select()
    .from(consoleAuditLog)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(consoleAuditLog.id))
    .limit(Math.min(opts.limit ?? 200, 5000));
  return rows as AuditRow[];
}

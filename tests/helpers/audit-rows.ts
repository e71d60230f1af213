// The console audit trail as the tests read it, and the server log's lines: one raw row type,
// the newest row's id, the rows after an id, and a capture of what the logger said, so that a
// test asserting "one row, no secret" writes none of it again.
import { afterEach, beforeEach, vi } from 'vitest';
import type { Database } from '@/db/client';
import { log } from '@/lib/log/logger';

/** A console_audit_log row as SELECT * returns it. */
export interface AuditRow {
  id: number;
  username: string;
  role: string | null;
  recipe: string;
  mode: string;
  decision: string;
  status: string;
  summary: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  via: string | null;
  committed: boolean;
  params: Record<string, unknown>;
}

/** The id of the newest audit row (0 when there is none): a mark to read the rows after. */
export const lastAuditId = async (db: Pick<Database, 'query'>) =>
  (await db.query<{ n: number }>('SELECT coalesce(max(id), 0)::int AS n FROM console_audit_log'))[0].n;

/** The audit rows written after `since`, oldest first; of one `recipe` when given. */
export const auditRowsSince = (db: Pick<Database, 'query'>, since: number, recipe?: string) =>
  recipe === undefined
    ? db.query<AuditRow>('SELECT * FROM console_audit_log WHERE id > $1 ORDER BY id', [since])
    : db.query<AuditRow>('SELECT * FROM console_audit_log WHERE id > $1 AND recipe = $2 ORDER BY id', [since, recipe]);

/**
 * Keeps every line the server logger says at info and warn during each test of the calling
 * `describe` (and says nothing on the console). Returns the list, emptied before each test.
 */
export function captureLogLines(): string[] {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    const keep = (obj: unknown, msg?: unknown) => void lines.push(JSON.stringify({ obj, msg }));
    vi.spyOn(log(), 'info').mockImplementation(keep as never);
    vi.spyOn(log(), 'warn').mockImplementation(keep as never);
  });
  afterEach(() => vi.restoreAllMocks());
  return lines;
}

// Turns the errors a command line run can meet into one sentence a person can act on.
import { DatabaseInUseError } from '@/db/client';

/** Exit codes of scripts/iu.ts and scripts/db.ts. */
export const EXIT = {
  ok: 0,
  /** Something unexpected: a connection failure, a bug, a broken migration. */
  error: 1,
  /** The engine refused (a status other than ok), bad input included. */
  refused: 2,
} as const;

/**
 * Drizzle wraps driver errors as "Failed query: <sql>" with the driver's error as `cause`;
 * the SQLSTATE and the sentence worth showing are on the innermost error that has a code.
 */
function rootCause(err: unknown): unknown {
  let e = err as { code?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') return e;
    if (!e.cause) break;
    e = e.cause as typeof e;
  }
  return err;
}

/** A readable sentence for an unexpected error; `where` names the database (db.label). */
export function describeError(err: unknown, where?: string): string {
  if (err instanceof DatabaseInUseError) return err.message;
  const e = rootCause(err) as { code?: unknown; message?: unknown; errors?: unknown[] } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const at = where ? ` (${where})` : '';
  // pg reports a refused connection to "localhost" as an AggregateError of IPv4 and IPv6 tries
  const inner = Array.isArray(e?.errors) ? (e!.errors[0] as { code?: unknown }) : undefined;
  const netCode = code ?? (typeof inner?.code === 'string' ? inner.code : undefined);
  switch (netCode) {
    case 'ECONNREFUSED':
      return `Could not connect to PostgreSQL${at}: the connection was refused. Is the server running, and are DATABASE_URL's host and port right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Could not connect to PostgreSQL${at}: the host name in DATABASE_URL does not resolve.`;
    case 'ETIMEDOUT':
      return `Could not connect to PostgreSQL${at}: the connection timed out.`;
    case '3D000':
      return `The database named in DATABASE_URL does not exist${at}: ${String(e?.message ?? '')}. Create it (createdb <name>) or fix the URL.`;
    case '28P01':
    case '28000':
      return `PostgreSQL refused the login${at}: ${String(e?.message ?? 'authentication failed')}. Check the user and password in DATABASE_URL.`;
    case '42P01':
    case '42883':
      return `The iu_core schema is missing or incomplete${at}: ${String(e?.message ?? '')}. Run npm run db:migrate.`;
  }
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return code && /^[0-9A-Z]{5}$/.test(code) ? `${message} (SQLSTATE ${code})` : message;
}

/**
 * `npm run iu -- status | head` closes stdout early; without a handler Node dies on EPIPE
 * before the database is closed. Later writes are simply dropped.
 */
export function ignoreClosedStdout(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

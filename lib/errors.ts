// The one place errors become words. Three audiences: a page or API answer
// (describeDatabaseError: a sentence a person can act on, nothing a query carried), the command
// line (describeError: the same causes, with the database's own message), and code that logs
// what it is thrown (sanitizeError: the redacted chain, the root code kept). The log's own
// redaction is lib/log/redact.ts. No 'server-only' here: the CLI and server.ts use it too.
import { DatabaseInUseError } from '@/db/client';
import { redactText } from '@/lib/log/redact';

/**
 * The innermost error in a cause chain that has a code (ECONNREFUSED, 28P01, …): Drizzle wraps
 * driver errors as "Failed query: <sql>" with the driver's error as `cause`, and the SQLSTATE
 * and the sentence worth showing are on that one.
 */
function rootCoded(err: unknown): { code: string; message?: unknown; errors?: unknown[] } | undefined {
  let found: { code: string } | undefined;
  for (let e = err, i = 0; e && typeof e === 'object' && i < 6; e = (e as { cause?: unknown }).cause, i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string' && c.length <= 20) found = e as { code: string };
  }
  return found;
}

/** The innermost error code in a cause chain: what describeDatabaseError reads. */
function rootCode(err: unknown): string | undefined {
  return rootCoded(err)?.code;
}

/**
 * An error safe to throw on into code that logs it (Next prints what a page throws, with
 * every field and cause): `context` plus the redacted messages of the chain, the root code
 * kept so describeDatabaseError can still say what to do, and no cause, query or params.
 */
export function sanitizeError(err: unknown, context: string): Error {
  const messages: string[] = [];
  for (let e = err, i = 0; e && i < 6; e = (e as { cause?: unknown }).cause, i++) {
    const m = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    if (m) messages.push(redactText(m.split('\n')[0]));
  }
  const safe = new Error(`${context}: ${messages.join(' ← ') || 'unknown error'}`);
  const code = rootCode(err);
  if (code) Object.assign(safe, { code });
  return safe;
}

/** A sentence a person can act on for a failure to open or query the database. */
export function describeDatabaseError(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `PostgreSQL could not be reached (${code}). Check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded database.`;
  }
  if (code === '28P01' || code === '28000') {
    return 'PostgreSQL refused the login named in DATABASE_URL. Check the user and password.';
  }
  if (code === '3D000') {
    return 'The database named in DATABASE_URL does not exist. Create it (createdb) or point DATABASE_URL at an existing one.';
  }
  // a query PostgreSQL refused (bad data, a bad statement): its wording is for the log, not a page
  if (typeof code === 'string' && /^(22|23|42|XX)[0-9A-Z]{3}$/.test(code)) {
    console.error(`[iu-console] query refused (${code}): ${errorMessage(err)}`);
    return `The database refused a query (SQLSTATE ${code}), so nothing was shown and nothing was changed. The server log has the details.`;
  }
  return errorMessage(err);
}

/** The message with secrets hidden: it is logged, and shown on the overview and in API answers. */
export function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err));
}

/** The command line's sentence for an unexpected error; `where` names the database (db.label). */
export function describeError(err: unknown, where?: string): string {
  if (err instanceof DatabaseInUseError) return err.message;
  const e = (rootCoded(err) ?? err) as { code?: unknown; message?: unknown; errors?: unknown[] } | null;
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

// What the console's own log lines may say about an error. A failed database query carries
// its parameters (Drizzle's "Failed query: … params: …"), and those are session tokens,
// password hashes and user names whenever the failing query was a session lookup; pg's
// connection errors can carry a connection string with its password. None of that belongs in
// a log. No 'server-only' here: server.ts imports it outside Next. The sentences for people
// and the error safe to throw on are in lib/errors.ts.
const HIDDEN = '[hidden]';

const PATTERNS: [RegExp, string][] = [
  // Drizzle's failed-query message: everything after "params:" is the bound values
  [/(\bparams:)[^\n]*/gi, `$1 ${HIDDEN}`],
  // cookies and authorization headers, wherever they were quoted
  [/((?:__Secure-|__Host-)?better-auth\.[a-z_]+=)[^;\s"',]+/gi, `$1${HIDDEN}`],
  [/(\b(?:cookie|set-cookie|authorization)["']?\s*[:=]\s*["']?)[^"'\n]+/gi, `$1${HIDDEN}`],
  [/(\bBearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${HIDDEN}`],
  // key=value or "key": "value" pairs whose key names a secret
  [/(["']?\b[\w-]*(?:token|secret|password|passwd)[\w-]*["']?\s*[:=]\s*["']?)[^"',;\s}&]+/gi, `$1${HIDDEN}`],
  // a password inside a connection string: postgres://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, `$1${HIDDEN}@`],
];

/** The text with secrets replaced by [hidden]. */
export function redactText(text: string): string {
  let out = text;
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

/**
 * An error as log text: its name, message and stack frames, then each cause, all redacted.
 * The error's own fields (a Drizzle error's `params`, a pg error's `parameters`) are never
 * printed, which is what console.error(err) would do.
 */
export function describeForLog(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return redactText(typeof err === 'string' ? err : safeJson(err));
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  const code = (err as { code?: unknown }).code;
  const head = `${err.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${redactText(err.message)}`;
  const cause = depth < 4 && err.cause !== undefined ? `\n  caused by ${describeForLog(err.cause, depth + 1)}` : '';
  return [head, ...frames.map(redactText)].join('\n') + cause;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** console.error for the console's own lines: the prefix, then each argument redacted. */
export function logError(prefix: string, ...args: unknown[]): void {
  console.error(prefix, ...args.map((a) => describeForLog(a)));
}

// Where to go after sign-in: only a path on the console itself. Browsers read `\` as `/` and
// drop tabs and newlines from URLs, so `/\evil.example` and `/\t/evil.example` both mean
// `//evil.example`, another site; such values are refused rather than repaired.

const PROBE = 'http://console.invalid';

/** `value` as a same-origin path (with its query and fragment), or `/` when it is anything else. */
export function safeNext(value: string | string[] | undefined | null): string {
  const s = Array.isArray(value) ? value[0] : value;
  if (typeof s !== 'string' || !s.startsWith('/') || s.startsWith('//')) return '/';
  // backslashes and every control or blank character a URL parser would strip or reinterpret
  if (/[\\\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(s)) return '/';
  let url: URL;
  try {
    url = new URL(s, PROBE);
  } catch {
    return '/';
  }
  if (url.origin !== PROBE) return '/';
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('//') ? '/' : path;
}

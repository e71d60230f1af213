// Strict reading of query parameters for the GET route handlers: a value that is present but
// not understood is answered 400 with a sentence, never quietly replaced by a default.
import { badCharacters } from '@/lib/auth/input-guard';

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2})(?::?(\d{2}))?)?$/;

/** Whether `s` is a calendar day that exists (2026-02-29 and 2026-99-99 do not). */
export function isRealDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Whether `s` is a real day or a real ISO time on one (hours < 24, minutes and seconds < 60). */
export function isRealTime(s: string): boolean {
  if (DAY_RE.test(s)) return isRealDay(s);
  const m = TIME_RE.exec(s);
  if (!m || !isRealDay(m[1])) return false;
  const [h, min, sec, oh, om] = [m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  return h < 24 && min < 60 && sec < 60 && oh < 24 && om < 60;
}

/** The one value of `key`, or null; a repeated key is a problem of its own. */
export function single(q: URLSearchParams, key: string, problems: string[]): string | null {
  const all = q.getAll(key);
  if (all.length > 1) problems.push(`${key} is given ${all.length} times; give it once.`);
  const v = all[0];
  if (v === undefined) return null;
  const why = badCharacters(v);
  if (why) {
    problems.push(`${key} contains ${why}; remove it.`);
    return null;
  }
  return v;
}

/** A whole number in [min, max] for `key`, or undefined when absent; a bad value is a problem. */
export function wholeNumber(
  q: URLSearchParams,
  key: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  const v = single(q, key, problems);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) {
    problems.push(`${key} must be a whole number from ${min} to ${max}; "${v.slice(0, 40)}" is not.`);
    return undefined;
  }
  return Number(v);
}

/** One of `choices` for `key`, or undefined when absent; anything else is a problem. */
export function oneOf<T extends string>(
  q: URLSearchParams,
  key: string,
  choices: readonly T[],
  problems: string[],
): T | undefined {
  const v = single(q, key, problems);
  if (v === null || v === '') return undefined;
  if (!(choices as readonly string[]).includes(v)) {
    problems.push(`${key} must be one of ${choices.join(', ')}; "${v.slice(0, 40)}" is not.`);
    return undefined;
  }
  return v as T;
}

/** The 400 answer naming every problem, so one round trip fixes them all. */
export function badQuery(problems: string[]): Response {
  return Response.json(
    { ok: false, error: `The request was not read: ${problems.join(' ')} Nothing was returned.`, problems },
    { status: 400, headers: { 'cache-control': 'no-store' } },
  );
}

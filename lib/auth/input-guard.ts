// The check every wrapped action's raw input passes before its schema: no string anywhere in
// it (values or keys, at any depth) may hold a control character or half a UTF-16 pair.
// PostgreSQL refuses NUL in text and a lone surrogate in jsonb, and no console field means
// either; tab, line feed and carriage return stay allowed (a piece body has lines).
import { z } from 'zod';

// C0 controls but tab, LF and CR; DEL; C1 controls
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'a list';
  return KIND[typeof v] ?? typeof v;
}

// A wrong type in any schema without a message of its own (zod's default reads "Invalid input:
// expected string, received array") becomes a sentence naming the field and what to send.
z.config({
  customError: (iss) => {
    if (iss.code !== 'invalid_type') return undefined;
    const field = iss.path?.length ? iss.path.join('.') : 'The input';
    const want = KIND[iss.expected] ?? iss.expected;
    if (iss.input === undefined) return `${field} is required; send it as ${want}.`;
    return `${field} must be ${want}, not ${kindOf(iss.input)}; send it again as ${want}.`;
  },
});

/** A character named for a person: U+0000. */
function codePoint(s: string, re: RegExp): string {
  const m = re.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : '';
}

/** Why one string is refused, or null. */
export function badCharacters(s: string): string | null {
  if (CONTROL.test(s)) return `a control character (${codePoint(s, CONTROL)})`;
  if (LONE_SURROGATE.test(s)) return `half of a two-part character (${codePoint(s, LONE_SURROGATE)})`;
  return null;
}

function walk(v: unknown, path: (string | number)[], out: z.core.$ZodIssue[], depth: number): void {
  if (out.length >= 5 || depth > 20) return;
  if (typeof v === 'string') {
    const why = badCharacters(v);
    const field = path.length ? path.join('.') : 'The input';
    if (why)
      out.push({ code: 'custom', path, input: v, message: `${field} contains ${why}; remove it and send again.` });
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, [...path, i], out, depth + 1));
    return;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const why = badCharacters(k);
      if (why) {
        out.push({
          code: 'custom',
          path,
          input: k,
          message: `A field name contains ${why}; remove it and send again.`,
        });
        continue;
      }
      walk(x, [...path, k], out, depth + 1);
    }
  }
}

/**
 * A failed parse result naming every field (up to five) with a refused character, or null
 * when the input is clean; shaped like zod's so the wrapper treats it as any invalid input.
 */
export function screenInput(
  input: Record<string, unknown>,
): { success: false; error: z.ZodError; data?: undefined } | null {
  const issues: z.core.$ZodIssue[] = [];
  walk(input, [], issues, 0);
  return issues.length ? { success: false, error: new z.ZodError(issues) } : null;
}

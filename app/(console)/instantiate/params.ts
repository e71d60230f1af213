// The instantiate form's parameters, shared by the client and the tests: what a dry run must
// share with its live run, and a fresh event id.

export interface InstantiateValues {
  eventId: string;
  eventType: string;
  templateCollectionId: string;
  uniqueSuffix: string;
  note: string;
  runTag: string;
}

/**
 * The parameters a dry run must share with its live run, normalised the way the server's
 * zod schema and the definition's `sameAs` rule see them, so "equal here" means "accepted
 * there" (tests/instantiate-action.test.ts holds the two rules together).
 */
export function paramsKey(v: InstantiateValues): string {
  const opt = (s: string) => (s.trim() ? s.trim() : null);
  return JSON.stringify([
    v.eventId.trim().toLowerCase(),
    v.eventType.trim(),
    v.templateCollectionId.trim().toLowerCase(),
    v.uniqueSuffix.trim(),
    opt(v.note),
    opt(v.runTag),
  ]);
}

/** A v4 UUID; crypto.randomUUID exists only in secure contexts (https or localhost), so plain http falls back. */
export function newEventId(c: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string } = globalThis.crypto): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

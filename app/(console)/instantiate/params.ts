// The instantiate form's parameters, shared by the client and the tests: what a dry run must
// share with its live run, and a fresh event id.
import { canonicalJson } from '@/components/plan/plan-flow';
import { instantiatePlanParams } from '@/components/plan/plan-params';

export interface InstantiateValues {
  eventId: string;
  eventType: string;
  templateCollectionId: string;
  uniqueSuffix: string;
  note: string;
  runTag: string;
}

/**
 * The parameters a dry run must share with its live run, as the server's plan binds them
 * (components/plan/plan-params.ts), so "equal here" means "accepted there"
 * (tests/instantiate-action.test.ts holds the two rules together).
 */
export function paramsKey(v: InstantiateValues): string {
  const p = instantiatePlanParams({ ...v, emitMode: 'dry_run' });
  // input that does not parse is never the same as anything a dry run ran with
  return p.valid ? canonicalJson(p.params) : `invalid:${canonicalJson(p.params)}`;
}

/** A v4 UUID; crypto.randomUUID exists only in secure contexts (https or localhost), so plain http falls back. */
export function newEventId(
  c: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string } = globalThis.crypto,
): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The one map from a refused action's answer to its HTTP status, for every JSON route.
const BY_STATUS: Record<string, number> = {
  unauthenticated: 401,
  denied: 403,
  not_found: 404,
  not_running: 409,
  invalid_input: 422,
  error: 500,
};
const BY_DECISION: Record<string, number> = {
  unauthenticated: 401,
  denied: 403,
  invalid: 422,
  refused: 409,
  error: 500,
};

/** 200 for a done action; else by its status (not_found → 404, …), then by its decision, else 409. */
export function httpStatusOf(r: { ok: boolean; status: string; decision?: string }): number {
  if (r.ok) return 200;
  return BY_STATUS[r.status] ?? (r.decision ? BY_DECISION[r.decision] : undefined) ?? 409;
}

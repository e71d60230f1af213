// The approval pages' one way to post to their routes (same origin, JSON, the answer's sentence).
export interface RouteAnswer {
  ok: boolean;
  status?: string;
  message: string;
  [k: string]: unknown;
}

export async function postJson(url: string, body: Record<string, unknown>): Promise<RouteAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    // the apply route nests the wrapper's answer under `result`
    const inner = (json.result && typeof json.result === 'object' ? json.result : json) as Record<string, unknown>;
    return { ...json, ok: json.ok === true, message: String(inner.message ?? json.message ?? json.error ?? '') };
  } catch {
    return { ok: false, message: `The console answered ${res.status} without a readable body; try again.` };
  }
}

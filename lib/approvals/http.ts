import 'server-only';
// The approval routes' shared parts: the caller from the request (the same identity every
// route resolves), and a body with the request id from the URL laid over it.
import { UnreadableBody, type Caller } from '@/lib/auth/action-types';
import { requestInfo, resolveIdentity } from '@/lib/auth/identity';
import { getAuth } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';

export async function callerFor(req: Request): Promise<Caller> {
  const [db, auth] = await Promise.all([getDb(), getAuth()]);
  const identity = await resolveIdentity(db, auth, req.headers);
  return { db, identity, request: requestInfo(req.headers) };
}

/** The body with `requestId` from the path (the path wins); an unreadable body stays for the wrapper to refuse. */
export function withRequestId(body: unknown, id: string): unknown {
  if (body instanceof UnreadableBody) return body;
  const plain = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { ...plain, requestId: id };
}

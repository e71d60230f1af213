'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { changeOwnPasswordDefinition, selfServiceCaller } from '@/lib/auth/password-change';
import { executeAuthorized } from '@/lib/auth/authorize';
import { requestInfo } from '@/lib/auth/identity';
import { log } from '@/lib/log/logger';
import { getAuth, getCurrentUser } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';

/** Ends this session and clears its cookie. */
export async function signOutAction(): Promise<void> {
  const auth = await getAuth();
  try {
    await auth.api.signOut({ headers: await headers() });
  } catch {
    // no session to end: the cookie is stale; sign-in is where they go either way
  }
  redirect('/sign-in');
}

export interface PasswordState {
  ok: boolean;
  message: string;
}

/**
 * Changes the signed-in person's own password through the authorized-action wrapper (audited
 * as password_change, no password in the row), then goes on to the console.
 */
export async function changePasswordAction(_prev: PasswordState | null, form: FormData): Promise<PasswordState> {
  const me = await getCurrentUser();
  if (!me) redirect('/sign-in');
  const [db, auth, h] = await Promise.all([getDb(), getAuth(), headers()]);
  const session = me.source === 'session' ? await auth.api.getSession({ headers: h }) : null;
  const request = requestInfo(h);
  const def = changeOwnPasswordDefinition({
    username: me.username,
    sessionId: session?.session.id ?? null,
    address: request.ip,
  });
  const r = await executeAuthorized(def, selfServiceCaller(db, me, request), form);
  // the audit row is the action wrapper's; the server log says it too (never the passwords)
  const line = { event: 'password_change', user: me.username, address: request.ip, decision: r.ok ? 'ok' : 'refused' };
  if (r.ok) log().info(line, `${me.username} changed their password`);
  else log().warn(line, `${me.username}'s password change was refused`);
  if (!r.ok) return { ok: false, message: r.issues?.length ? r.issues.map((i) => i.message).join(' ') : r.message };
  redirect('/');
}

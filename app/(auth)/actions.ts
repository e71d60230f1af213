'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { passwordSchema, clearMustChangePassword } from '@/lib/auth/users';
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

const changeSchema = z
  .object({ currentPassword: z.string().min(1, 'Type your current password.'), newPassword: passwordSchema, confirm: z.string() })
  .refine((v) => v.newPassword === v.confirm, { path: ['confirm'], message: 'The two new passwords differ.' })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ['newPassword'], message: 'Choose a password other than the current one.' });

/** Changes the signed-in user's password (better-auth checks the current one) and clears the one-time flag. */
export async function changePasswordAction(_prev: PasswordState | null, form: FormData): Promise<PasswordState> {
  const me = await getCurrentUser();
  if (!me) redirect('/sign-in');
  if (me.source !== 'session') return { ok: false, message: 'You signed in through your proxy; change your password there.' };
  const parsed = changeSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join(' ') };
  const auth = await getAuth();
  try {
    await auth.api.changePassword({
      body: { currentPassword: parsed.data.currentPassword, newPassword: parsed.data.newPassword, revokeOtherSessions: true },
      headers: await headers(),
    });
  } catch (err) {
    const status = (err as { statusCode?: number; status?: string | number }).statusCode;
    return { ok: false, message: status === 400 || status === 401 ? 'The current password is wrong.' : 'The password could not be changed; try again.' };
  }
  await clearMustChangePassword((await getDb()).orm, me.userId);
  redirect('/');
}

import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { safeNext } from '@/lib/http/safe-next';
import { getCurrentUser } from '@/lib/server/auth';
import { SignInForm } from './SignInForm';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // only a path on this console is followed after sign-in (`/\evil.example` is another site)
  const next = safeNext((await searchParams).next);
  let me = null;
  try {
    me = await getCurrentUser();
  } catch {
    // the database is unavailable: show the form; signing in will say why it fails
  }
  if (me) redirect(next);
  const headerMode = process.env.IU_AUTH_MODE === 'trusted-header';
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
      <p className="mt-1 text-sm text-slate-500">
        {headerMode
          ? 'This console signs you in through your company sign-in proxy. If you see this page, open the console through the proxy, or sign in with a console account below.'
          : 'Use the user name and password a lead gave you. On a fresh install the first account is admin; its one-time password is printed by npm start.'}
      </p>
      <SignInForm next={next} />
    </div>
  );
}

import type { Metadata } from 'next';
import Link from 'next/link';
import { requireUser } from '@/lib/server/auth';
import { PasswordForm } from './PasswordForm';

export const metadata: Metadata = { title: 'Change password' };

export default async function PasswordPage() {
  const me = await requireUser({ allowPasswordChange: true });
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="text-lg font-semibold text-slate-900">Change your password</h1>
      {me.mustChangePassword ? (
        <p className="mt-1 text-sm text-amber-800" data-testid="must-change-password">
          {me.username}, you signed in with a one-time password. Choose your own before you go on.
        </p>
      ) : (
        <p className="mt-1 text-sm text-slate-500">
          Signed in as {me.username}.{' '}
          <Link href="/" className="underline">
            Back to the console
          </Link>
        </p>
      )}
      {me.source === 'trusted-header' ? (
        <p className="mt-4 text-sm text-slate-700" data-testid="password-at-proxy">
          You signed in through your company sign-in proxy, and your account has no console password: change your
          password there.
        </p>
      ) : (
        <PasswordForm />
      )}
    </div>
  );
}

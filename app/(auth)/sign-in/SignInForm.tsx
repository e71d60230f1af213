'use client';

import { useState } from 'react';
import { authClient } from '@/lib/auth-client';

const input =
  'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-slate-500 focus:outline-none';

/** Username + password through better-auth's endpoint, so the failed sign-in limits apply. */
export function SignInForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="mt-5 space-y-4"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        setBusy(true);
        setError(null);
        const { error: err } = await authClient.signIn.username({
          username: String(f.get('username') ?? '').trim(),
          password: String(f.get('password') ?? ''),
        });
        if (err) {
          setBusy(false);
          // a disabled account gets the same answer as a wrong password, on purpose
          setError(
            err.status === 429
              ? 'Too many failed sign-ins for this user name or from this address; wait a minute and try again.'
              : err.status >= 500
                ? err.message ||
                  'Signing in failed on the server; try again in a minute, or tell whoever runs the console.'
                : 'The user name or password is wrong.',
          );
          return;
        }
        window.location.assign(next);
      }}
    >
      <label className="block text-sm font-medium text-slate-700">
        User name
        <input name="username" autoComplete="username" required className={input} />
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Password
        <input name="password" type="password" autoComplete="current-password" required className={input} />
      </label>
      {error && (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={busy}
        className="w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-semibold text-white disabled:opacity-60"
      >
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

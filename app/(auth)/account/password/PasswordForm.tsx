'use client';

import { useActionState } from 'react';
import { changePasswordAction } from '../../actions';

const input = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm';

export function PasswordForm() {
  const [state, action, pending] = useActionState(changePasswordAction, null);
  return (
    <form action={action} className="mt-5 space-y-4">
      <label className="block text-sm font-medium text-slate-700">
        Current password
        <input name="currentPassword" type="password" autoComplete="current-password" required className={input} />
      </label>
      <label className="block text-sm font-medium text-slate-700">
        New password (at least 10 characters)
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          aria-describedby="password-rule"
          className={input}
        />
      </label>
      <p id="password-rule" className="text-xs text-slate-500">
        It must be hard to guess: four unrelated words work well; names, dates, repeats and keyboard runs do not.
      </p>
      <label className="block text-sm font-medium text-slate-700">
        New password again
        <input name="newPasswordAgain" type="password" autoComplete="new-password" required className={input} />
      </label>
      {state && !state.ok && (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          {state.message}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-semibold text-white"
      >
        {pending ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}

'use client';

import { useEffect } from 'react';

// The error's own text is never shown: it can be PostgreSQL's or a library's wording, which
// says nothing useful to the reader and something to an attacker. The digest ties this page to
// the server log line, which has the details.

export default function ConsoleError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);

  const digest = (error as { digest?: string } | null)?.digest;

  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 px-5 py-4 text-sm text-red-900">
      <h1 className="text-base font-semibold">This page could not be shown.</h1>
      <p className="mt-1">
        The server met an error while reading the database. Nothing was changed; try again, and if it keeps happening,
        give a lead the reference below so they can find the details in the server log.
      </p>
      {digest && (
        <p className="mt-1 text-xs text-red-800/80">
          Reference for the server log: <code className="font-mono">{digest}</code>
        </p>
      )}
      <button
        type="button"
        onClick={() => retry()}
        className="mt-3 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-red-900 ring-1 ring-red-300 ring-inset hover:bg-red-100"
      >
        Try again
      </button>
    </div>
  );
}

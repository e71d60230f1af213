'use client';

import { useEffect } from 'react';

// In production Next.js replaces a server error's message with a generic one; the digest
// is what ties this page to the server log line.
const GENERIC = /Server Components render|An error occurred in the Server Components/;

export default function ConsoleError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);

  const message = error instanceof Error ? error.message : String(error);
  const digest = (error as { digest?: string } | null)?.digest;
  const readable = message && !GENERIC.test(message) ? message : null;

  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 px-5 py-4 text-sm text-red-900">
      <h1 className="text-base font-semibold">This page could not be shown.</h1>
      <p className="mt-1">
        {readable ??
          'The server met an error while reading the database. The server log has the details; nothing was changed.'}
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

import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Page not found' };

export default function NotFound() {
  return (
    <main className="mx-auto w-full max-w-6xl flex-1 px-6 py-8">
      <div className="rounded-lg border border-slate-200 bg-white px-6 py-8 shadow-sm">
        <p className="text-xs font-medium uppercase tracking-wide text-slate-500">404</p>
        <h1 className="mt-1 text-xl font-semibold text-slate-900">This page does not exist.</h1>
        <p className="mt-2 text-sm text-slate-600">
          The console has no page at this address. It may come in a later release.
        </p>
        <Link href="/" className="mt-4 inline-block text-sm font-medium text-sky-700 hover:text-sky-900">
          Go to the overview
        </Link>
      </div>
    </main>
  );
}

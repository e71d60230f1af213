import type { ReactNode } from 'react';

export const dynamic = 'force-dynamic';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-start justify-center bg-slate-50 px-6 py-16">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center gap-2.5">
          <span
            aria-hidden
            className="grid size-8 place-items-center rounded-md bg-slate-900 text-xs font-bold text-white"
          >
            IU
          </span>
          <p className="text-sm font-semibold text-slate-900">IU Core Console</p>
        </div>
        {children}
      </div>
    </main>
  );
}

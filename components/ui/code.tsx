import type { ReactNode } from 'react';

/** Inline monospace text for keys, commands and identifiers. */
export function Code({ children }: { children: ReactNode }) {
  return <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em] text-slate-800">{children}</code>;
}

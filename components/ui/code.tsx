import type { ReactNode } from 'react';

/** Inline monospace text for keys, commands and identifiers; a long one breaks anywhere rather than widen a phone's page. */
export function Code({ children }: { children: ReactNode }) {
  return (
    <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em] text-slate-800 [overflow-wrap:anywhere]">
      {children}
    </code>
  );
}

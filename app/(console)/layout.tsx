import type { ReactNode } from 'react';
import { GateLeakBanner } from '@/components/shell/GateLeakBanner';
import { getDb } from '@/lib/server/db';
import { listLeakedGates } from '@/lib/queries/overview';

// Reads committed data on every request; `next build` must never open the database.
export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  let leaked: string[] | null = null;
  try {
    leaked = await listLeakedGates(await getDb());
  } catch {
    // The page below reports why the database is unavailable; the banner just stays away.
  }
  return (
    <>
      <GateLeakBanner initialLeaked={leaked} />
      <main className="mx-auto w-full max-w-6xl flex-1 px-6 py-8">{children}</main>
    </>
  );
}

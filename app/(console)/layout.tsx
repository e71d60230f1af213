import type { ReactNode } from 'react';
import { GateLeakBanner } from '@/components/shell/GateLeakBanner';
import { Sidebar } from '@/components/shell/Sidebar';
import { navFor } from '@/components/shell/nav';
import { Alert } from '@/components/ui/alert';
import { CONTENT_ID, OFFLINE_SLOT_ID } from '@/components/shell/landmarks';
import { getDb } from '@/lib/server/db';
import { requireUser } from '@/lib/server/auth';
import { listLeakedGates } from '@/lib/queries/overview';
import { hasRole } from '@/lib/auth/roles';
import { signOutAction } from '../(auth)/actions';
import { runRecipeAction } from './recipe-action';

// Reads committed data on every request; `next build` must never open the database.
export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  // signed out → /sign-in; a one-time password → /account/password
  const me = await requireUser();
  let leaked: string[] | null = null;
  if (me.role) {
    try {
      leaked = await listLeakedGates(await getDb());
    } catch {
      // The page below reports why the database is unavailable; the banner just stays away.
    }
  }
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      {/* the first thing Tab reaches: past the navigation to the page */}
      <a
        href={`#${CONTENT_ID}`}
        className="sr-only rounded-md bg-slate-900 px-3 py-2 text-sm font-semibold text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50"
      >
        Skip to content
      </a>
      <Sidebar
        items={navFor(me.role)}
        user={{ username: me.username, role: me.role, source: me.source }}
        signOut={signOutAction}
      />
      <div className="flex min-w-0 flex-1 flex-col">
        {me.role && (
          <GateLeakBanner initialLeaked={leaked} runRecipe={hasRole(me.role, 'lead') ? runRecipeAction : undefined} />
        )}
        <div id={OFFLINE_SLOT_ID} />
        <main
          id={CONTENT_ID}
          tabIndex={-1}
          className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 outline-none sm:px-6 sm:py-8"
        >
          {me.role ? (
            children
          ) : (
            <Alert tone="warning" title="You have no role yet" testId="no-role">
              <p>
                You are signed in as <strong>{me.username}</strong>, but no role has been given to you, so there is
                nothing here you may see. Ask a lead to give you a role (viewer, operator or lead).
              </p>
            </Alert>
          )}
        </main>
      </div>
    </div>
  );
}

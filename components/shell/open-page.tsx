import 'server-only';
import type { ReactElement } from 'react';
import type { Database } from '@/db/client';
import { loadPage } from '@/components/dashboards/load';
import { DatabaseUnavailable } from '@/components/shell/DatabaseUnavailable';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { PageHeader } from '@/components/shell/PageHeader';
import type { Identity } from '@/lib/auth/identity';
import type { Role } from '@/lib/auth/roles';
import { requireRole } from '@/lib/server/auth';

export interface OpenPageOptions<T> {
  /** The page's heading, also shown over the "database unavailable" sentence. */
  title: string;
  /**
   * The lowest role that may see it. The layout hides it from others, but each page checks for
   * itself: a client-side navigation renders the page without its layout, and a hidden page
   * protects nothing (the page's actions check again).
   */
  role: Role;
  /** What the page shows, for the sentence when it cannot be read ("summary", "event log"). */
  what: string;
  /** Pages over the event log say so when migration 033 is not applied. */
  needsLog?: boolean;
  load: (db: Database, me: Identity) => Promise<T>;
}

/**
 * The shared opening of a console page: the person (signed out → sign-in), the role check,
 * the page's reads with failures turned into a sentence. Either the page to render instead
 * (not allowed, database unavailable), or the person and the data.
 */
export async function openPage<T>(
  opts: OpenPageOptions<T>,
): Promise<{ shown: ReactElement } | { me: Identity; data: T }> {
  const { me, allowed } = await requireRole(opts.role);
  if (!allowed) return { shown: <NotAllowed need={opts.role} /> };
  const loaded = await loadPage(opts.what, (db) => opts.load(db, me), { needsLog: opts.needsLog });
  if (!loaded.ok) {
    return {
      shown: (
        <div className="space-y-6">
          <PageHeader title={opts.title} />
          <DatabaseUnavailable title={loaded.title} message={loaded.message} />
        </div>
      ),
    };
  }
  return { me, data: loaded.data };
}

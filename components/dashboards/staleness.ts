// What the offline banner says when a live page's refresh check fails. Kept apart from the
// component so the wording, which must never claim fresher data than the page holds, is tested.
import { formatTimestamp, minutesAgo } from '@/lib/format';

/**
 * Why the last check failed: no answer at all, an answer that says the database is down, the
 * session ended, or any other error status.
 */
export type RefreshFailure = 'unreachable' | 'database' | 'signed-out' | 'error';

/** A failed check's error: the HTTP status when the server answered, none when it did not. */
export class RefreshError extends Error {
  constructor(readonly status: number | null) {
    super(status === null ? 'no answer' : `status ${status}`);
  }
}

export interface OfflineState {
  /** When the first check of the current run of failures failed. */
  failingSince: number;
  /**
   * The last time the page's data was known to be current: the last successful check (its
   * fingerprint matched the rendered page, or the page refreshed), else when the page loaded.
   */
  lastConfirmed: number;
  failure: RefreshFailure;
}

/** The banner's headline: what is wrong and since when. */
export function offlineHeadline(s: OfflineState): string {
  const since = formatTimestamp(new Date(s.failingSince));
  switch (s.failure) {
    case 'unreachable':
      return `Offline since ${since}: the console's server does not answer.`;
    case 'database':
      return `Database unreachable since ${since}: the console's server cannot read it.`;
    case 'signed-out':
      return `Signed out since ${since}: your session ended; sign in again to see current data.`;
    default:
      return `Refresh failing since ${since}: the console's server answers with an error.`;
  }
}

/** The banner's second sentence: how old the data on the page may be, never fresher than it is. */
export function offlineDetail(s: OfflineState, now: number, intervalMs: number): string {
  const confirmed = formatTimestamp(new Date(s.lastConfirmed));
  const age = minutesAgo(new Date(s.lastConfirmed), now, true);
  return (
    `What you see was last confirmed current at ${confirmed} (${age}) and may be out of date. ` +
    `Checking again every ${Math.round(intervalMs / 1000)} s; the page refreshes by itself when the server answers.`
  );
}

/** Sorts a failed check: no answer (fetch threw, or a proxy's 502/504), 503, 401/403, the rest. */
export function failureOf(err: unknown): RefreshFailure {
  if (!(err instanceof RefreshError) || err.status === null || err.status === 502 || err.status === 504) {
    return 'unreachable';
  }
  if (err.status === 503) return 'database';
  if (err.status === 401 || err.status === 403) return 'signed-out';
  return 'error';
}

'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { CONTENT_ID, OFFLINE_SLOT_ID } from '@/components/shell/landmarks';
import { formatTimestamp } from '@/lib/format';
import { failureOf, offlineDetail, offlineHeadline, RefreshError, type OfflineState } from './staleness';

const STORAGE_KEY = 'iu-console.auto-refresh-paused';

async function fetchVersion(): Promise<{ version: string }> {
  let res: Response;
  try {
    res = await fetch('/api/activity/version', { cache: 'no-store' });
  } catch {
    throw new RefreshError(null);
  }
  if (!res.ok) throw new RefreshError(res.status);
  return (await res.json()) as { version: string };
}

/**
 * Keeps a live dashboard fresh: TanStack Query polls a cheap fingerprint of the log and,
 * when it changes, re-renders the page's Server Components (router.refresh), so the page
 * keeps one data path. Pausing stops the polling; the choice is remembered per browser.
 * While the check fails, a banner above the page says since when and how old the data is,
 * and the data is dimmed; when the server answers again, the page refreshes.
 */
export function AutoRefresh({ intervalMs = 5000 }: { intervalMs?: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  useEffect(() => setPaused(window.localStorage.getItem(STORAGE_KEY) === '1'), []);
  const { data, dataUpdatedAt, isError, error, errorUpdatedAt } = useQuery({
    queryKey: ['activity-version'],
    queryFn: fetchVersion,
    refetchInterval: paused ? false : intervalMs,
    refetchOnWindowFocus: !paused,
    enabled: !paused,
  });
  const offline = useOffline(isError, error, errorUpdatedAt, dataUpdatedAt);
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (!data) return;
    if (seen.current !== null && seen.current !== data.version) router.refresh();
    seen.current = data.version;
  }, [data, router]);
  // back from a failure: the version may match while the page missed a restart; refresh anyway
  const wasOffline = useRef(false);
  useEffect(() => {
    if (offline) wasOffline.current = true;
    else if (wasOffline.current) {
      wasOffline.current = false;
      router.refresh();
    }
  }, [offline, router]);
  useStaleMark(offline !== null && !paused);

  const toggle = () => {
    const next = !paused;
    setPaused(next);
    window.localStorage.setItem(STORAGE_KEY, next ? '1' : '0');
  };
  return (
    <div
      className="flex items-center gap-2 text-xs text-slate-600"
      data-testid="auto-refresh"
      data-paused={paused ? 'true' : 'false'}
    >
      <span aria-live="polite">
        {paused
          ? 'Auto-refresh paused'
          : offline
            ? 'Auto-refresh failing'
            : `Auto-refresh every ${intervalMs / 1000} s`}
        {!paused && dataUpdatedAt ? ` · checked ${formatTimestamp(new Date(dataUpdatedAt)).slice(11)}` : ''}
      </span>
      <button
        type="button"
        onClick={toggle}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 font-medium text-slate-700 hover:bg-slate-50"
      >
        {paused ? 'Resume' : 'Pause'}
      </button>
      {offline && !paused && <OfflineBanner state={offline} intervalMs={intervalMs} />}
    </div>
  );
}

/** The current run of failures, or null while the checks succeed. */
function useOffline(isError: boolean, error: unknown, errorAt: number, dataAt: number): OfflineState | null {
  const [loadedAt] = useState(() => Date.now());
  // the first failure after the last success: errorAt moves on with every failed check
  const [since, setSince] = useState<number | null>(null);
  useEffect(() => {
    if (!isError) setSince(null);
    else setSince((s) => s ?? (errorAt || Date.now()));
  }, [isError, errorAt]);
  if (!isError) return null;
  return { failingSince: since ?? errorAt, lastConfirmed: dataAt || loadedAt, failure: failureOf(error) };
}

/** Marks the page's content stale while `stale`, so the stylesheet dims it. */
function useStaleMark(stale: boolean) {
  useEffect(() => {
    const content = document.getElementById(CONTENT_ID);
    if (!content || !stale) return;
    content.dataset.stale = 'true';
    return () => {
      delete content.dataset.stale;
    };
  }, [stale]);
}

function OfflineBanner({ state, intervalMs }: { state: OfflineState; intervalMs: number }) {
  const [slot, setSlot] = useState<HTMLElement | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => setSlot(document.getElementById(OFFLINE_SLOT_ID)), []);
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 15_000);
    return () => window.clearInterval(t);
  }, []);
  if (!slot) return null;
  return createPortal(
    <div
      role="alert"
      data-testid="offline-banner"
      data-failure={state.failure}
      className="border-b border-amber-300 bg-amber-50 px-6 py-3 text-sm text-amber-950"
    >
      <p className="font-semibold">{offlineHeadline(state)}</p>
      <p className="mt-0.5">{offlineDetail(state, now, intervalMs)}</p>
    </div>,
    slot,
  );
}

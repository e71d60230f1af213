'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

const STORAGE_KEY = 'iu-console.auto-refresh-paused';

/**
 * Keeps a live dashboard fresh: TanStack Query polls a cheap fingerprint of the log and,
 * when it changes, re-renders the page's Server Components (router.refresh), so the page
 * keeps one data path. Pausing stops the polling; the choice is remembered per browser.
 */
export function AutoRefresh({ intervalMs = 5000 }: { intervalMs?: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  useEffect(() => setPaused(window.localStorage.getItem(STORAGE_KEY) === '1'), []);
  const { data, dataUpdatedAt, isError } = useQuery({
    queryKey: ['activity-version'],
    queryFn: async () => {
      const res = await fetch('/api/activity/version', { cache: 'no-store' });
      if (!res.ok) throw new Error(`status ${res.status}`);
      return (await res.json()) as { version: string };
    },
    refetchInterval: paused ? false : intervalMs,
    refetchOnWindowFocus: !paused,
    enabled: !paused,
  });
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (!data) return;
    if (seen.current !== null && seen.current !== data.version) router.refresh();
    seen.current = data.version;
  }, [data, router]);

  const toggle = () => {
    const next = !paused;
    setPaused(next);
    window.localStorage.setItem(STORAGE_KEY, next ? '1' : '0');
  };
  return (
    <div
      className="flex items-center gap-2 text-xs text-slate-500"
      data-testid="auto-refresh"
      data-paused={paused ? 'true' : 'false'}
    >
      <span aria-live="polite">
        {paused
          ? 'Auto-refresh paused'
          : isError
            ? 'Auto-refresh: database unreachable'
            : `Auto-refresh every ${intervalMs / 1000} s`}
        {!paused && dataUpdatedAt ? ` · checked ${new Date(dataUpdatedAt).toISOString().slice(11, 19)} UTC` : ''}
      </span>
      <button
        type="button"
        onClick={toggle}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 font-medium text-slate-700 hover:bg-slate-50"
      >
        {paused ? 'Resume' : 'Pause'}
      </button>
    </div>
  );
}

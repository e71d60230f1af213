'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useRef } from 'react';

/** Whether a key press belongs to a field the person is typing in. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * The console's one search box: a plain GET form to /search (so it works before the page's
 * scripts load), and `/` anywhere outside a field puts the cursor in it.
 */
export function SearchBox() {
  const input = useRef<HTMLInputElement>(null);
  const pathname = usePathname();
  const params = useSearchParams();
  const current = pathname === '/search' ? (params.get('q') ?? '') : '';
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <form role="search" method="get" action="/search" className="px-3 pb-2" data-testid="search-form">
      {/* a short name: the field sits on every page, and a name holding "actor" or "template"
          would also answer every lookup of the page's own fields by those words */}
      <label className="sr-only" htmlFor="console-search">
        Search the console
      </label>
      <p id="console-search-hint" className="sr-only">
        An event id, a log id, an instance key, a template key or family, or an actor. Press slash to get here.
      </p>
      <div className="relative">
        <input
          ref={input}
          key={current}
          id="console-search"
          name="q"
          type="search"
          defaultValue={current}
          maxLength={200}
          autoComplete="off"
          spellCheck={false}
          placeholder="Search…"
          aria-keyshortcuts="/"
          aria-describedby="console-search-hint"
          className="block w-full rounded-md border border-slate-300 bg-white py-1.5 pr-8 pl-2.5 text-sm text-slate-900 placeholder:text-slate-400"
        />
        <kbd
          aria-hidden
          className="pointer-events-none absolute top-1.5 right-2 rounded border border-slate-200 px-1 text-xs text-slate-400"
        >
          /
        </kbd>
      </div>
    </form>
  );
}

'use client';

import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

/** The narrow-screen navigation's open state: closes on Escape (focus back on its button) and on navigation. */
export function useMenu(pathname: string) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  const ids = { search: `${id}-search`, nav: `${id}-nav`, account: `${id}-account` };
  // a link followed closes the menu, so the page it opened is what the reader sees
  useEffect(() => setOpen(false), [pathname]);
  /** The class of each part the menu shows: hidden on a narrow screen while the menu is closed. */
  const collapsed = open ? undefined : 'max-md:hidden';
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !open) return;
    setOpen(false);
    buttonRef.current?.focus();
  };
  return { open, setOpen, buttonRef, ids, collapsed, onKeyDown };
}

/** The menu button of the narrow screen's top bar; hidden from 768 px, where the navigation always shows. */
export function MenuButton({ menu }: { menu: ReturnType<typeof useMenu> }) {
  return (
    <button
      ref={menu.buttonRef}
      type="button"
      aria-expanded={menu.open}
      aria-controls={Object.values(menu.ids).join(' ')}
      onClick={() => menu.setOpen((o) => !o)}
      className="ml-auto inline-flex items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 md:hidden"
    >
      <svg aria-hidden viewBox="0 0 20 20" className="size-4" fill="none" stroke="currentColor" strokeWidth="2">
        {menu.open ? <path d="M5 5l10 10M15 5L5 15" /> : <path d="M3 5h14M3 10h14M3 15h14" />}
      </svg>
      Menu
    </button>
  );
}

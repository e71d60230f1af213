'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { Suspense, useEffect } from 'react';
import { authClient } from '@/lib/auth-client';
import { cn } from '@/components/ui/cn';
import { MenuButton, useMenu } from './menu';
import type { NavItem } from './nav';
import { SearchBox } from './search-box';
import { InboxBadge } from '@/components/approvals/InboxBadge';

/**
 * The console's navigation: the product, the entries the role allows, who is signed in. A
 * left-hand column from 768 px; below that a top bar, whose menu button shows the rest.
 */
export function Sidebar({
  items,
  user,
  signOut,
}: {
  items: NavItem[];
  user: { username: string; role: string | null; source: string };
  signOut: () => Promise<void>;
}) {
  const pathname = usePathname();
  // Activity keeps the session alive: better-auth slides the session's expiry on use, but a
  // page render cannot re-send the cookie, so the browser asks for the session itself.
  useEffect(() => {
    if (user.source === 'session') void authClient.getSession();
  }, [pathname, user.source]);
  const menu = useMenu(pathname);
  return (
    <aside
      className="w-full shrink-0 border-b border-slate-200 bg-white md:w-60 md:border-r md:border-b-0"
      onKeyDown={menu.onKeyDown}
    >
      <div className="flex flex-col md:sticky md:top-0 md:h-screen">
        <div className="flex items-center gap-2.5 px-4 py-3 md:px-5 md:py-4">
          <span
            aria-hidden
            className="grid size-8 place-items-center rounded-md bg-slate-900 text-xs font-bold tracking-tight text-white"
          >
            IU
          </span>
          <div className="leading-tight">
            <p className="text-sm font-semibold text-slate-900">IU Core Console</p>
            <p className="text-xs text-slate-600">iu_core operations</p>
          </div>
          <MenuButton menu={menu} />
        </div>
        {user.role && (
          <div id={menu.ids.search} className={menu.collapsed}>
            <Suspense>
              <SearchBox />
            </Suspense>
          </div>
        )}
        <nav
          id={menu.ids.nav}
          aria-label="Main"
          className={cn('px-3 pb-3 md:min-h-0 md:flex-1 md:overflow-y-auto md:pt-2', menu.collapsed)}
        >
          <ul className="flex flex-col gap-1">
            {items.map((item) => {
              const active = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={active ? 'page' : undefined}
                    className={cn(
                      'block rounded-md px-3 py-2 text-sm font-medium transition-colors',
                      active ? 'bg-slate-100 text-slate-900' : 'text-slate-600 hover:bg-slate-50 hover:text-slate-900',
                    )}
                  >
                    {item.label}
                    {item.href === '/approvals' && <InboxBadge />}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div
          id={menu.ids.account}
          className={cn('border-t border-slate-100 px-5 py-3 text-xs text-slate-600', menu.collapsed)}
          data-testid="signed-in-as"
        >
          <p>
            Signed in as <span className="font-semibold text-slate-900">{user.username}</span>
          </p>
          <p className="text-slate-600">Role: {user.role ?? 'none'}</p>
          <div className="mt-2 flex gap-3">
            {user.source === 'session' && (
              <Link href="/account/password" className="underline hover:text-slate-900">
                Password
              </Link>
            )}
            <form action={signOut}>
              <button type="submit" className="underline hover:text-slate-900">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </div>
    </aside>
  );
}

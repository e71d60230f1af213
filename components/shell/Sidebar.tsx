'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';

// Only pages that exist get an entry; add one here when a route lands.
const NAV_ITEMS = [
  { href: '/', label: 'Overview' },
  { href: '/templates', label: 'Templates' },
  { href: '/events', label: 'Event log' },
  { href: '/summary', label: 'Summary' },
  { href: '/actors', label: 'Actors' },
] as const;

/** The console's left-hand navigation with the product name. */
export function Sidebar() {
  const pathname = usePathname();
  return (
    <aside className="w-full shrink-0 border-b border-slate-200 bg-white md:w-60 md:border-r md:border-b-0">
      <div className="flex flex-col md:sticky md:top-0 md:h-screen">
        <div className="flex items-center gap-2.5 px-5 py-4">
          <span aria-hidden className="grid size-8 place-items-center rounded-md bg-slate-900 text-xs font-bold tracking-tight text-white">
            IU
          </span>
          <div className="leading-tight">
            <p className="text-sm font-semibold text-slate-900">IU Core Console</p>
            <p className="text-xs text-slate-500">iu_core operations</p>
          </div>
        </div>
        <nav aria-label="Main" className="px-3 pb-3 md:flex-1 md:pt-2">
          <ul className="flex gap-1 md:flex-col">
            {NAV_ITEMS.map((item) => {
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
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <p className="hidden border-t border-slate-100 px-5 py-3 text-xs leading-relaxed text-slate-500 md:block">
          Gates open only inside a recipe&apos;s transaction and close before it commits.
        </p>
      </div>
    </aside>
  );
}

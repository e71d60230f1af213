import { hasRole, type Role } from '@/lib/auth/roles';
import { RECIPE_CATALOG } from '@/lib/recipes/catalog';

export interface NavItem {
  href: string;
  label: string;
}

// Only pages that exist get an entry, and only for roles that may use them.
const ALL: (NavItem & { role: Role })[] = [
  { href: '/', label: 'Overview', role: 'viewer' },
  { href: '/templates', label: 'Templates', role: 'viewer' },
  { href: '/events', label: 'Event log', role: 'viewer' },
  { href: '/summary', label: 'Summary', role: 'viewer' },
  { href: '/actors', label: 'Actors', role: 'viewer' },
  { href: '/gates', label: 'Gates', role: 'viewer' },
  // the recipes' pages, from the one recipe list
  ...Object.values(RECIPE_CATALOG)
    .filter((r) => r.nav)
    .map((r) => ({ href: r.page, label: r.title, role: r.role })),
  { href: '/approvals', label: 'Approvals', role: 'operator' },
  { href: '/audit', label: 'Audit trail', role: 'lead' },
  { href: '/users', label: 'Users', role: 'lead' },
  { href: '/settings/webhooks', label: 'Webhooks', role: 'lead' },
  { href: '/settings/tokens', label: 'API tokens', role: 'viewer' },
];

/** The navigation entries a role may see; none without a role. */
export function navFor(role: Role | null): NavItem[] {
  return ALL.filter((i) => hasRole(role, i.role)).map(({ href, label }) => ({ href, label }));
}

/** The console routes, for tests that walk them all. */
export const CONSOLE_ROUTES = [...ALL.map((i) => i.href), '/account/password'];

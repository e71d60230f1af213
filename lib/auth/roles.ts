// The console's roles, lowest to highest. No role at all means: signed in, sees nothing.
import { z } from 'zod';

export const ROLES = ['viewer', 'operator', 'lead'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES, { error: 'The role must be viewer, operator or lead.' });

const RANK: Record<Role, number> = { viewer: 1, operator: 2, lead: 3 };

/** Whether `have` is at least `need`; no role satisfies nothing. */
export function hasRole(have: Role | null | undefined, need: Role): boolean {
  return !!have && RANK[have] >= RANK[need];
}

/** A stored role string as a Role, or null for anything else (empty, unknown). */
export function asRole(v: unknown): Role | null {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v) ? (v as Role) : null;
}

/** The highest of some roles, or null. */
export function highestRole(roles: (Role | null)[]): Role | null {
  let best: Role | null = null;
  for (const r of roles) if (r && (!best || RANK[r] > RANK[best])) best = r;
  return best;
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: 'dashboards only',
  operator: 'previews, dry runs, live runs and bulk runs',
  lead: 'everything an operator can do, plus rollbacks, closing a leaked gate, audit export and user admin',
};

// Step: one audit writer per attempt, with who, what and from where filled in once.
import type { Caller } from '../action-types';
import { describeVia } from '../api-tokens';
import { writeAudit } from '../audit';
import type { Identity } from '../identity';

export type AuditEntry = Omit<
  Parameters<typeof writeAudit>[1],
  'startedAt' | 'username' | 'role' | 'recipe' | 'ip' | 'userAgent'
>;
export type AuditWriter = (
  e: AuditEntry,
  on?: Parameters<typeof writeAudit>[0],
  recipe?: string,
) => Promise<number | null>;

/** The attempt's writer; `recipe` overrides the definition's name (a break-glass row beside an apply). */
export function auditWriter(def: { name: string }, caller: Caller, who: Identity, startedAt: Date): AuditWriter {
  const base = {
    startedAt,
    username: who.username,
    role: caller.auditRole ?? who.role,
    recipe: def.name,
    ip: caller.request.ip,
    userAgent: caller.request.userAgent,
    // the API token a request came with, named in the row
    via: who.via ? describeVia(who.via) : null,
  };
  return (e, on = caller.db.orm, recipe) => writeAudit(on, { ...base, ...(recipe ? { recipe } : {}), ...e });
}

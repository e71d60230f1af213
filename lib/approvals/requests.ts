// Approval requests (migration 051): reading them for the inbox, a request's page, the apply's
// approval step and the bulk job's detail.
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import {
  consoleApprovalDecision,
  consoleApprovalRequest,
  type ApprovalDecisionRow,
  type ApprovalRequestRow,
  type RequestStatus,
} from '@/db/approvals-schema';
import { hasRole, type Role } from '@/lib/auth/roles';
import type { Reader } from './policy';

export interface ApprovalRequestView extends ApprovalRequestRow {
  decisions: ApprovalDecisionRow[];
  /** Who approved, in order. */
  approvers: string[];
}

/** A request id as a page, route or CLI sends it: a positive whole number. */
export function parseRequestId(raw: unknown): number | null {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return raw;
  if (typeof raw === 'string' && /^[1-9]\d{0,15}$/.test(raw.trim())) return Number(raw.trim());
  return null;
}

async function withDecisions(db: Reader, rows: ApprovalRequestRow[]): Promise<ApprovalRequestView[]> {
  if (!rows.length) return [];
  const decisions = await db
    .select()
    .from(consoleApprovalDecision)
    .where(
      inArray(
        consoleApprovalDecision.requestId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(consoleApprovalDecision.createdAt));
  return rows.map((r) => {
    const own = decisions.filter((d) => d.requestId === r.id);
    return { ...r, decisions: own, approvers: own.filter((d) => d.decision === 'approve').map((d) => d.username) };
  });
}

export async function getApprovalRequest(db: Reader, id: number): Promise<ApprovalRequestView | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const rows = await db.select().from(consoleApprovalRequest).where(eq(consoleApprovalRequest.id, id));
  return (await withDecisions(db, rows))[0] ?? null;
}

/** The newest request for a plan (one plan has at most one open request). */
export async function requestForPlan(db: Reader, planId: number): Promise<ApprovalRequestView | null> {
  const rows = await db
    .select()
    .from(consoleApprovalRequest)
    .where(eq(consoleApprovalRequest.planId, planId))
    .orderBy(desc(consoleApprovalRequest.id))
    .limit(1);
  return (await withDecisions(db, rows))[0] ?? null;
}

export async function listApprovalRequests(
  db: Reader,
  q: { status?: RequestStatus | 'open'; limit?: number } = {},
): Promise<ApprovalRequestView[]> {
  const where =
    q.status === 'open'
      ? inArray(consoleApprovalRequest.status, ['pending', 'approved'])
      : q.status
        ? eq(consoleApprovalRequest.status, q.status)
        : undefined;
  const rows = await db
    .select()
    .from(consoleApprovalRequest)
    .where(where)
    .orderBy(desc(consoleApprovalRequest.id))
    .limit(Math.min(q.limit ?? 50, 200));
  return withDecisions(db, rows);
}

/**
 * How many pending requests `username` (with `role`) could decide: not their own, not
 * decided by them yet, and needing no higher role than theirs. The navigation's badge.
 */
export async function countDecidable(db: Reader, username: string, role: Role | null): Promise<number> {
  if (!hasRole(role, 'operator')) return 0;
  const roles = hasRole(role, 'lead') ? ['operator', 'lead'] : ['operator'];
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(consoleApprovalRequest)
    .where(
      and(
        eq(consoleApprovalRequest.status, 'pending'),
        ne(consoleApprovalRequest.requester, username),
        inArray(consoleApprovalRequest.minRole, roles as ('operator' | 'lead')[]),
        sql`NOT EXISTS (SELECT 1 FROM console_approval_decision d
                         WHERE d.request_id = ${consoleApprovalRequest.id} AND d.username = ${username})`,
      ),
    );
  return Number(row?.n ?? 0);
}

/** Whether `who` may decide this request now; otherwise why not (denied: never theirs to decide). */
export function decisionRefusal(
  r: ApprovalRequestView,
  who: { username: string; role: Role | null },
): { status: 'denied' | 'approval_closed'; message: string } | null {
  if (r.requester === who.username)
    return {
      status: 'denied',
      message: `Request #${r.id} is your own; nobody approves or rejects their own request. Ask ${r.minRole === 'lead' ? 'a lead' : 'another operator or a lead'} to decide it.`,
    };
  if (!hasRole(who.role, r.minRole))
    return {
      status: 'denied',
      message: `Request #${r.id} needs a ${r.minRole} to decide it, and your role is ${who.role ?? 'none'}; ask a ${r.minRole}.`,
    };
  if (r.status !== 'pending')
    return {
      status: 'approval_closed',
      message: `Request #${r.id} is ${r.status} already; only a pending request can be approved or rejected.`,
    };
  if (r.decisions.some((d) => d.username === who.username))
    return {
      status: 'approval_closed',
      message: `You decided request #${r.id} already; each person decides a request once.`,
    };
  return null;
}

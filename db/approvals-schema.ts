// Drizzle declarations of the approval policy (050) and approval requests (051).
import { bigint, boolean, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type PolicyCondition = 'always' | 'bulk_items_at_least' | 'critical_family';
export type ApprovalMode = 'live' | 'durable' | 'dry_run';
export type ApproverRole = 'operator' | 'lead';
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'applied' | 'stale';

export const consoleApprovalPolicy = pgTable(
  'console_approval_policy',
  {
    recipe: text('recipe').notNull(),
    mode: text('mode').$type<ApprovalMode>().notNull(),
    required: boolean('required').notNull(),
    approvers: integer('approvers').notNull(),
    minRole: text('min_role').$type<ApproverRole>().notNull(),
    condition: text('condition').$type<PolicyCondition>().notNull(),
    threshold: integer('threshold'),
    updatedAt: ts('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.recipe, t.mode] })],
);

export const consoleFamilyMark = pgTable('console_family_mark', {
  family: text('family').primaryKey(),
  critical: boolean('critical').notNull(),
  updatedAt: ts('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
});

export const consoleApprovalRequest = pgTable('console_approval_request', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  planId: bigint('plan_id', { mode: 'number' }).notNull(),
  recipe: text('recipe').notNull(),
  mode: text('mode').notNull(),
  requester: text('requester').notNull(),
  reason: text('reason').notNull(),
  status: text('status').$type<RequestStatus>().notNull(),
  approversNeeded: integer('approvers_needed').notNull(),
  minRole: text('min_role').$type<ApproverRole>().notNull(),
  rule: text('rule').notNull(),
  breakGlass: boolean('break_glass').notNull(),
  createdAt: ts('created_at').notNull(),
  decidedAt: ts('decided_at'),
  appliedAt: ts('applied_at'),
  appliedBy: text('applied_by'),
});

export const consoleApprovalDecision = pgTable(
  'console_approval_decision',
  {
    requestId: bigint('request_id', { mode: 'number' }).notNull(),
    username: text('username').notNull(),
    role: text('role').notNull(),
    decision: text('decision').$type<'approve' | 'reject'>().notNull(),
    reason: text('reason').notNull(),
    rechecked: boolean('rechecked').notNull(),
    drifted: boolean('drifted'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.username] })],
);

export type ApprovalPolicyRow = typeof consoleApprovalPolicy.$inferSelect;
export type ApprovalRequestRow = typeof consoleApprovalRequest.$inferSelect;
export type ApprovalDecisionRow = typeof consoleApprovalDecision.$inferSelect;

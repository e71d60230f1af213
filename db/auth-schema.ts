// Drizzle declarations of the sign-in tables (migration 040) and the console audit trail
// (041). The JS keys are the field names better-auth's Drizzle adapter expects.
import { sql } from 'drizzle-orm';
import { bigint, boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const authUser = pgTable('auth_user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  username: text('username').unique(),
  displayUsername: text('display_username'),
  role: text('role'),
  banned: boolean('banned').notNull().default(false),
  banReason: text('ban_reason'),
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  source: text('source').notNull().default('password'),
});

export const authSession = pgTable('auth_session', {
  id: text('id').primaryKey(),
  expiresAt: ts('expires_at').notNull(),
  token: text('token').notNull().unique(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  ipAddress: text('ip_address'),
  userAgent: text('user_agent'),
  userId: text('user_id')
    .notNull()
    .references(() => authUser.id, { onDelete: 'cascade' }),
});

export const authAccount = pgTable('auth_account', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  providerId: text('provider_id').notNull(),
  userId: text('user_id')
    .notNull()
    .references(() => authUser.id, { onDelete: 'cascade' }),
  accessToken: text('access_token'),
  refreshToken: text('refresh_token'),
  idToken: text('id_token'),
  accessTokenExpiresAt: ts('access_token_expires_at'),
  refreshTokenExpiresAt: ts('refresh_token_expires_at'),
  scope: text('scope'),
  password: text('password'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const authVerification = pgTable('auth_verification', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: ts('expires_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const authRateLimit = pgTable('auth_rate_limit', {
  id: text('id')
    .primaryKey()
    .default(sql`gen_random_uuid()::text`),
  key: text('key').notNull().unique(),
  count: integer('count').notNull(),
  lastRequest: bigint('last_request', { mode: 'number' }).notNull(),
});

/** The tables under the model names better-auth uses. */
export const betterAuthSchema = {
  user: authUser,
  session: authSession,
  account: authAccount,
  verification: authVerification,
  rateLimit: authRateLimit,
};

export const consoleAuditLog = pgTable('console_audit_log', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  startedAt: ts('started_at').notNull(),
  finishedAt: ts('finished_at').notNull(),
  username: text('username').notNull(),
  role: text('role'),
  recipe: text('recipe').notNull(),
  params: jsonb('params').notNull(),
  mode: text('mode').notNull(),
  decision: text('decision').notNull(),
  status: text('status').notNull(),
  summary: text('summary').notNull(),
  actor: text('actor'),
  reason: text('reason'),
  ip: text('ip'),
  userAgent: text('user_agent'),
  committed: boolean('committed').notNull(),
  /** Set on a successful preview: the hash a later live step must match (042). */
  previewKey: text('preview_key'),
  /** The plan a preview made or an apply ran (045). */
  planId: bigint('plan_id', { mode: 'number' }),
  /** The API token the request came with, in words (052). */
  via: text('via'),
});

/** A preview's plan: what it ran with and the effect it showed; an apply uses it up (045). */
export const consolePlan = pgTable('console_plan', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  recipe: text('recipe').notNull(),
  username: text('username').notNull(),
  actor: text('actor').notNull(),
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  paramsKey: text('params_key').notNull(),
  effect: jsonb('effect').$type<Record<string, unknown>>().notNull(),
  summary: text('summary').notNull(),
  createdAt: ts('created_at').notNull(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
});

// A lead's changes to the approval policy (050): one policy line, or a family's critical
// mark. Each is one audited action (approval_policy_changed) with the line before and after.
import { and, eq, sql } from 'drizzle-orm';
import { consoleApprovalPolicy, consoleFamilyMark } from '@/db/approvals-schema';
import type { ActionDefinition } from '@/lib/auth/action-types';
import { runAdminTransaction } from '@/lib/recipes/run';
import type { RecipeResult } from '@/lib/recipes/types';
import { describeRule } from './policy';
import { familyMarkInput, policyInput } from './schemas';

export interface PolicyChangeResult {
  kind: 'policy' | 'critical_family';
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  sentence: string;
}

const auditExtra = (o: RecipeResult<PolicyChangeResult>) => ({
  params: o.ok ? { kind: o.result.kind, before: o.result.before, after: o.result.after } : (o.detail ?? {}),
});

export const changePolicyDefinition: ActionDefinition<typeof policyInput, PolicyChangeResult> = {
  name: 'approval_policy_changed',
  role: 'lead',
  input: policyInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  auditExtra,
  run: (ctx, v) =>
    runAdminTransaction<PolicyChangeResult>(ctx, async (tx) => {
      const key = and(eq(consoleApprovalPolicy.recipe, v.recipe), eq(consoleApprovalPolicy.mode, v.mode));
      const [before] = await tx.select().from(consoleApprovalPolicy).where(key).for('update');
      if (!before)
        return {
          ok: false,
          status: 'invalid_input',
          committed: false,
          message: `There is no policy line for ${v.recipe} in ${v.mode} mode: that recipe has no such apply. Pick a line from the policy page.`,
          issues: [{ field: 'mode', message: `${v.recipe} has no ${v.mode} apply.` }],
        };
      if (v.condition === 'bulk_items_at_least' && v.recipe !== 'bulk_scale_out')
        return {
          ok: false,
          status: 'invalid_input',
          committed: false,
          message: 'The item-count condition applies to bulk scale-out only; choose "always" for this recipe.',
          issues: [{ field: 'condition', message: 'Only bulk scale-out has an item count.' }],
        };
      if (v.condition === 'bulk_items_at_least' && v.threshold === null)
        return {
          ok: false,
          status: 'invalid_input',
          committed: false,
          message: 'Give the item count from which a bulk needs approval (for example 1000).',
          issues: [{ field: 'threshold', message: 'The item count is required for this condition.' }],
        };
      if (v.condition === 'critical_family' && v.recipe !== 'compose_template_version')
        return {
          ok: false,
          status: 'invalid_input',
          committed: false,
          message:
            'The critical-family condition applies to new template versions only; choose "always" for this recipe.',
          issues: [{ field: 'condition', message: 'Only compose has a family.' }],
        };
      const next = {
        required: v.required,
        approvers: v.approvers,
        minRole: v.minRole,
        condition: v.condition,
        threshold: v.condition === 'bulk_items_at_least' ? v.threshold : null,
      };
      const [after] = await tx
        .update(consoleApprovalPolicy)
        .set({ ...next, updatedAt: sql`clock_timestamp()` as unknown as Date, updatedBy: ctx.user })
        .where(key)
        .returning();
      const strip = (r: typeof before) => ({
        recipe: r.recipe,
        mode: r.mode,
        required: r.required,
        approvers: r.approvers,
        minRole: r.minRole,
        condition: r.condition,
        threshold: r.threshold,
      });
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: { kind: 'policy', before: strip(before), after: strip(after), sentence: describeRule(after) },
      };
    }),
  summarize: (o) => (o.ok ? `approval policy: ${o.result.sentence}` : `${o.status}: ${o.message}`),
};

export const markFamilyDefinition: ActionDefinition<typeof familyMarkInput, PolicyChangeResult> = {
  name: 'approval_policy_changed',
  role: 'lead',
  input: familyMarkInput,
  mode: () => 'admin',
  reasonRequired: () => true,
  auditExtra,
  run: (ctx, v) =>
    runAdminTransaction<PolicyChangeResult>(ctx, async (tx) => {
      const family = `tpl:${v.family}`;
      const [before] = await tx.select().from(consoleFamilyMark).where(eq(consoleFamilyMark.family, family));
      const now = sql`clock_timestamp()` as unknown as Date;
      await tx
        .insert(consoleFamilyMark)
        .values({ family, critical: v.critical, updatedAt: now, updatedBy: ctx.user })
        .onConflictDoUpdate({
          target: consoleFamilyMark.family,
          set: { critical: v.critical, updatedAt: now, updatedBy: ctx.user },
        });
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: {
          kind: 'critical_family',
          before: { family, critical: before?.critical ?? false },
          after: { family, critical: v.critical },
          sentence: `${family} is ${v.critical ? 'now marked critical' : 'no longer marked critical'}`,
        },
      };
    }),
  summarize: (o) => (o.ok ? `approval policy: ${o.result.sentence}` : `${o.status}: ${o.message}`),
};

// Inputs of the approval actions, shared by the routes, the pages and the CLI.
import { z } from 'zod';
import { reasonField } from '@/lib/auth/action-types';
import { checkbox } from '@/lib/recipes/action-fields';
import { APPROVABLE_RECIPES } from '@/lib/recipes/catalog';
import { familySchema } from '@/lib/recipes/schemas';

/** A positive whole number (a plan or request id), from JSON or a form's text. */
export const idField = (what: string) =>
  z
    .union([z.number(), z.string().regex(/^\s*\d{1,15}\s*$/, `The ${what} id must be a number such as 12.`)], {
      error: `The ${what} id must be a number such as 12.`,
    })
    .transform((v) => Number(v))
    .pipe(z.number().int().positive(`The ${what} id must be a number such as 12.`).max(Number.MAX_SAFE_INTEGER));

export const requestApprovalInput = z.object({
  planId: idField('plan'),
  reason: reasonField,
  // which apply the request asks for, when the plan has two (an instantiate dry run: live or kept)
  mode: z.enum(['live', 'durable', 'dry_run'], { error: 'The mode must be live, durable or dry_run.' }).optional(),
});
export const decideInput = z.object({ requestId: idField('request'), reason: reasonField });

export const policyInput = z.object({
  recipe: z.enum(APPROVABLE_RECIPES as [string, ...string[]], {
    error: `The recipe must be one of ${APPROVABLE_RECIPES.join(', ')}.`,
  }),
  mode: z.enum(['live', 'durable', 'dry_run'], { error: 'The mode must be live, durable or dry_run.' }),
  required: checkbox,
  approvers: z
    .union([z.number(), z.string().regex(/^\s*\d{1,2}\s*$/)], { error: 'Approvers must be a number from 1 to 5.' })
    .transform((v) => Number(v))
    .pipe(
      z
        .number()
        .int()
        .min(1, 'Approvers must be a number from 1 to 5.')
        .max(5, 'Approvers must be a number from 1 to 5.'),
    ),
  minRole: z.enum(['operator', 'lead'], { error: 'The approvers’ role must be operator or lead.' }),
  condition: z.enum(['always', 'bulk_items_at_least', 'critical_family'], {
    error: 'The condition must be always, bulk_items_at_least or critical_family.',
  }),
  threshold: z
    .union([z.number(), z.string().regex(/^\s*\d{0,6}\s*$/), z.null()], {
      error: 'The item count must be a whole number from 1 to 100,000.',
    })
    .optional()
    .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? null : Number(v)))
    .pipe(z.number().int().min(1).max(100_000, 'The item count must be a whole number from 1 to 100,000.').nullable()),
  reason: reasonField,
});

export const familyMarkInput = z.object({ family: familySchema, critical: checkbox, reason: reasonField });

export type PolicyInput = z.input<typeof policyInput>;

// The approval policy for journeys: the approvals journey puts the shipped default in place;
// journeys about the recipes themselves (a lead's rollback, an operator's bulk of thousands,
// a batch's rollback) switch those lines off first, as a lead would on /approvals/policy, with
// a reason.
import { expect, type Browser } from '@playwright/test';
import { ADMIN, contextAs } from './helpers';

const LINES = {
  bulk: {
    recipe: 'bulk_scale_out',
    mode: 'live',
    approvers: 1,
    minRole: 'operator',
    condition: 'bulk_items_at_least',
    threshold: 1000,
  },
  rollback: { recipe: 'rollback_by_actor', mode: 'durable', approvers: 1, minRole: 'lead', condition: 'always' },
  rollbackBatch: { recipe: 'rollback_batch', mode: 'durable', approvers: 1, minRole: 'lead', condition: 'always' },
} as const;

async function setRequired(browser: Browser, required: boolean, reason: string): Promise<void> {
  const admin = await contextAs(browser, ADMIN.username, 'lead');
  for (const line of Object.values(LINES)) {
    const res = await admin.request.post('/api/approvals/policy', { data: { ...line, required, reason } });
    expect(res.status(), await res.text()).toBe(200);
  }
  await admin.close();
}

/** The shipped default: a live bulk of 1,000 or more (an operator), any durable rollback, by actor or batch (a lead). */
export const withDefaultApprovals = (browser: Browser) =>
  setRequired(browser, true, 'e2e: the shipped default policy for the approvals journey');

/** No approval for bulk runs and rollbacks (by actor and by batch), for journeys that test those recipes alone. */
export const withoutApprovals = (browser: Browser) =>
  setRequired(browser, false, 'e2e: this journey tests the recipe itself, not its approval');

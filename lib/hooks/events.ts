// The events a webhook can subscribe to (migration 053 raises them), with the words the
// settings page and a Slack message use. No server imports: the page's client code uses it.

export const HOOK_EVENTS = [
  'approval.requested',
  'approval.approved',
  'approval.rejected',
  'apply.succeeded',
  'apply.failed',
  'job.cancelled',
  'job.interrupted',
  'break_glass',
  'gate.leak',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export const HOOK_EVENT_LABELS: Record<HookEvent | 'test', string> = {
  'approval.requested': 'Approval requested',
  'approval.approved': 'Approval approved',
  'approval.rejected': 'Approval rejected',
  'apply.succeeded': 'Apply succeeded (live or durable)',
  'apply.failed': 'Apply failed or refused (live or durable)',
  'job.cancelled': 'Bulk job cancelled',
  'job.interrupted': 'Bulk job interrupted',
  break_glass: 'Break-glass apply',
  'gate.leak': 'Gate leak seen',
  test: 'Test (the Send test button)',
};

export const SIGNATURE_HEADER = 'X-IU-Signature';

'use client';

// "Roll back this batch" on a committed bulk job: a dry run first (the plan: the batch's
// standing instances by template), then the confirm dialog (the batch tag typed, a reason)
// that applies exactly that plan through /api/recipes/rollback-batch, or says why not. When
// the approval policy covers the plan, the request for approval takes the button's place.
import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { RequestApproval } from '@/components/approvals/request-approval';
import { useApprovalNeedQuery } from '@/components/approvals/use-approval-need-query';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { PlanView } from '@/lib/auth/plans';
import type { BulkJobView } from '@/lib/bulk/jobs';
import type { BatchRollbackResult } from '@/lib/recipes/rollback-batch/recipe';

type Answer =
  | { ok: true; committed: boolean; result: BatchRollbackResult; plan?: PlanView; auditId: number | null }
  | { ok: false; status: string; message: string; error?: string };

async function post(body: Record<string, unknown>): Promise<Answer> {
  const res = await fetch('/api/recipes/rollback-batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const a = await res.json().catch(() => ({}));
  if (a && typeof a.ok === 'boolean') return a as Answer;
  return { ok: false, status: 'error', message: a.error ?? `The console answered HTTP ${res.status}.` };
}

const plural = (n: number, w: string) => `${n.toLocaleString('en')} ${w}${n === 1 ? '' : 's'}`;

export function BatchRollback({ job }: { job: BulkJobView }) {
  const [plan, setPlan] = useState<Extract<Answer, { ok: true }> | null>(null);
  const [done, setDone] = useState<Extract<Answer, { ok: true }> | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [ask, setAsk] = useState(false);
  const [applyError, setApplyError] = useState<string | null>(null);
  const tag = job.params.batchTag;
  // what the policy asks of this plan's apply (null: nothing; it runs from here)
  const needQuery = useApprovalNeedQuery(plan?.plan?.id ?? null);
  const need = needQuery.data ?? null;

  const preview = async () => {
    setPending(true);
    setRefusal(null);
    setPlan(null);
    const a = await post({ jobId: job.id, durable: false });
    if (a.ok) setPlan(a);
    else setRefusal(a.message);
    setPending(false);
  };
  const apply = async (reason: string) => {
    if (!plan?.plan) return;
    setPending(true);
    setApplyError(null);
    const a = await post({ jobId: job.id, durable: true, planId: plan.plan.id, confirmText: tag, reason });
    setPending(false);
    if (a.ok) {
      setDone(a);
      setAsk(false);
      setPlan(null);
    } else {
      setApplyError(a.message);
      // a refusal that spends or outdates the plan: make a new one
      if (['plan_stale', 'plan_used', 'plan_expired', 'plan_required'].includes(a.status)) setPlan(null);
    }
  };

  return (
    <Card
      title="Roll back this batch"
      description="Removes the instances this batch made that still stand: a plan first, then a confirmation. Operators roll back their own batches, leads anyone's."
    >
      <div className="space-y-3 text-sm" data-testid="batch-rollback">
        {done ? (
          <Alert tone="info" title="Rolled back" testId="batch-rollback-done">
            <p>
              Rolled back {plural(done.result.instanceCount, 'instance')} of batch {done.result.batchTag} (
              {done.result.actor}), recorded as rolled back by {done.result.rolledBackBy}.{' '}
              {done.auditId && (
                <Link className="text-sky-700 underline" href={`/audit?id=${done.auditId}`}>
                  Its audit row
                </Link>
              )}{' '}
              ·{' '}
              <Link className="text-sky-700 underline" href={`/actors/${encodeURIComponent(done.result.actor)}`}>
                The actor&apos;s timeline
              </Link>
            </p>
          </Alert>
        ) : (
          <Button
            variant="secondary"
            onClick={() => void preview()}
            disabled={pending}
            data-testid="batch-rollback-plan"
          >
            {pending && !plan ? 'Planning…' : plan ? 'Plan again' : 'Plan a rollback of this batch'}
          </Button>
        )}
        {refusal && (
          <Alert tone="warning" title="Nothing to roll back this way" testId="batch-rollback-refusal">
            {refusal}
          </Alert>
        )}
        {plan && (
          <div className="space-y-2" data-testid="batch-rollback-preview">
            <p>
              A rollback of batch <span className="font-mono">{tag}</span> would remove{' '}
              <strong>{plural(plan.result.instanceCount, 'instance')}</strong> ({plan.result.actor}); nothing was
              written.
            </p>
            <ul className="list-disc pl-5 text-xs">
              {Object.entries(plan.result.byTemplate).map(([k, n]) => (
                <li key={k}>
                  <span className="font-mono">{k}</span>: {n.toLocaleString('en')}
                </li>
              ))}
            </ul>
            {need && plan.plan ? (
              <RequestApproval planId={plan.plan.id} need={need} />
            ) : (
              <Button
                variant="danger"
                onClick={() => setAsk(true)}
                disabled={needQuery.isLoading}
                data-testid="batch-rollback-open"
              >
                Roll back {plural(plan.result.instanceCount, 'instance')}…
              </Button>
            )}
          </div>
        )}
        <ConfirmDialog
          open={ask && !!plan && !need}
          onOpenChange={(next) => {
            setAsk(next);
            if (!next) setApplyError(null);
          }}
          title={`Roll back batch ${tag}?`}
          confirmLabel="Roll back the batch"
          typeToConfirm={{ label: 'Type the batch tag to confirm:', value: tag }}
          requireReason
          pending={pending}
          error={applyError}
          plan={plan?.plan ? { id: plan.plan.id, username: plan.plan.username, createdAt: plan.plan.createdAt } : null}
          onConfirm={(reason) => void apply(reason)}
        >
          <p>
            Deletes exactly the {plural(plan?.result.instanceCount ?? 0, 'instance')} the plan listed (their pieces
            stay; the event log keeps their history). If the batch changed since the plan, nothing is rolled back.
          </p>
        </ConfirmDialog>
      </div>
    </Card>
  );
}

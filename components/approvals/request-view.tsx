'use client';

// A request's page: the plan and the effect it showed, "Run the preview again" with the drift
// side by side, approve or reject with a reason (not your own), and for the requester the
// apply once approved, or a lead's break-glass.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import type { ApprovalDetail } from '@/lib/approvals/detail';
import type { Effect } from '@/lib/auth/plans';
import { EffectCompare } from './effect-compare';
import { approvalKeys } from './keys';
import { postJson, type RouteAnswer } from './post-json';

const area = 'w-full rounded-md border border-slate-300 px-2 py-1 text-sm';

export function RequestView({ detail }: { detail: ApprovalDetail }) {
  const { request: r, plan } = detail;
  const router = useRouter();
  const qc = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [answer, setAnswer] = useState<RouteAnswer | null>(null);
  const [look, setLook] = useState<{ planned: Effect; now: Effect | null; drift: string | null } | null>(null);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [glass, setGlass] = useState(false);

  const act = async (what: string, url: string, body: Record<string, unknown>) => {
    setBusy(what);
    try {
      const a = await postJson(url, body);
      setAnswer(a);
      if (what === 'recheck' && a.ok)
        setLook(a as unknown as { planned: Effect; now: Effect | null; drift: string | null });
      if (a.ok && what !== 'recheck') {
        setReason('');
        await qc.invalidateQueries({ queryKey: approvalKeys.all });
        router.refresh();
      }
    } finally {
      setBusy(null);
    }
  };
  const jobId = answer?.ok && typeof answer.jobId === 'string' ? answer.jobId : null;
  const canApply = detail.mine && (r.status === 'approved' || (detail.mayBreakGlass && glass)) && !plan.usedAt;

  return (
    <div className="space-y-6">
      <Card title={`Plan #${plan.id}`} description={plan.summary}>
        <dl className="grid gap-x-6 gap-y-1 text-sm md:grid-cols-2" data-testid="request-facts">
          <dt className="text-slate-500">Requested by</dt>
          <dd data-testid="requester">{r.requester}</dd>
          <dt className="text-slate-500">Reason</dt>
          <dd>{r.reason}</dd>
          <dt className="text-slate-500">Policy</dt>
          <dd>{r.rule}</dd>
          <dt className="text-slate-500">Approvals</dt>
          <dd data-testid="approvers">
            {r.approvers.length} of {r.approversNeeded}
            {r.approvers.length ? `: ${r.approvers.join(', ')}` : ''}
          </dd>
          <dt className="text-slate-500">Plan</dt>
          <dd>
            {plan.usedAt
              ? 'applied'
              : plan.expired
                ? 'expired'
                : `expires ${new Date(plan.expiresAt).toLocaleTimeString()}`}
          </dd>
        </dl>
        <details className="mt-3 text-xs">
          <summary className="cursor-pointer text-slate-600">Parameters</summary>
          <pre className="mt-1 overflow-auto rounded bg-slate-50 p-2">{JSON.stringify(plan.params, null, 2)}</pre>
        </details>
      </Card>

      <Card
        title="Has anything changed since the plan?"
        description="Runs the plan's preview again with the same parameters, as you; it rolls back and writes nothing but its audit row."
        actions={
          <Button
            variant="secondary"
            onClick={() => act('recheck', `/api/approvals/${r.id}/recheck`, {})}
            disabled={!!busy}
            data-testid="recheck"
          >
            {busy === 'recheck' ? 'Running…' : 'Run the preview again'}
          </Button>
        }
      >
        {look ? (
          <EffectCompare planId={plan.id} planned={look.planned} now={look.now} drift={look.drift} />
        ) : (
          <pre data-testid="effect-planned" className="max-h-72 overflow-auto rounded-md bg-slate-50 p-2 text-xs">
            {JSON.stringify(plan.effect, null, 2)}
          </pre>
        )}
      </Card>

      {r.decisions.length > 0 && (
        <Card title="Decisions">
          <ul className="space-y-1 text-sm" data-testid="decisions">
            {r.decisions.map((d) => (
              <li key={d.username}>
                <strong>{d.username}</strong> ({d.role}) {d.decision === 'approve' ? 'approved' : 'rejected'}:{' '}
                {d.reason}
              </li>
            ))}
          </ul>
        </Card>
      )}

      {answer && (
        <Alert tone={answer.ok ? 'info' : 'danger'} title={answer.ok ? 'Done' : 'Refused'} testId="request-answer">
          <p>{answer.message}</p>
          {jobId && (
            <p>
              <Link className="underline" href={`/bulk/${jobId}`} data-testid="job-link">
                Open bulk job {jobId}
              </Link>
            </p>
          )}
        </Alert>
      )}

      {r.status === 'pending' && !detail.mine && (
        <Card title="Decide">
          {detail.cannotDecide && (
            <p className="mb-2 text-sm text-amber-800" data-testid="cannot-decide">
              {detail.cannotDecide}
            </p>
          )}
          <label className="block text-sm font-medium" htmlFor="decision-reason">
            Reason
          </label>
          <textarea
            id="decision-reason"
            className={area}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <div className="mt-2 flex gap-2">
            <Button
              onClick={() => act('approve', `/api/approvals/${r.id}/approve`, { reason })}
              disabled={!!busy || !reason.trim()}
              data-testid="approve"
            >
              Approve
            </Button>
            <Button
              variant="secondary"
              onClick={() => act('reject', `/api/approvals/${r.id}/reject`, { reason })}
              disabled={!!busy || !reason.trim()}
              data-testid="reject"
            >
              Reject
            </Button>
          </div>
        </Card>
      )}

      {detail.mine && !plan.usedAt && ['pending', 'approved'].includes(r.status) && (
        <Card
          title="Apply"
          description={
            r.status === 'approved' ? 'Approved: the plan runs as you, unchanged, once.' : 'Waiting for approval.'
          }
        >
          {detail.cannotDecide && r.status === 'pending' && (
            <p className="mb-2 text-sm text-slate-600">{detail.cannotDecide}</p>
          )}
          {detail.mayBreakGlass && r.status === 'pending' && (
            <label className="mb-2 flex items-center gap-2 text-sm text-red-800">
              <input
                type="checkbox"
                checked={glass}
                onChange={(e) => setGlass(e.target.checked)}
                data-testid="break-glass"
              />
              Break glass: apply without the approval (leads only; flagged in the audit trail)
            </label>
          )}
          {canApply && (
            <form
              className="space-y-2"
              onSubmit={(e) => {
                e.preventDefault();
                void act('apply', `/api/approvals/${r.id}/apply`, {
                  reason,
                  confirmText: typed,
                  ...(glass ? { breakGlass: true } : {}),
                });
              }}
            >
              {detail.confirmText && (
                <label className="block text-sm">
                  Type <code className="font-mono">{detail.confirmText}</code> to confirm
                  <input
                    className={area}
                    value={typed}
                    onChange={(e) => setTyped(e.target.value)}
                    data-testid="apply-confirm"
                  />
                </label>
              )}
              <label className="block text-sm" htmlFor="apply-reason">
                Reason
              </label>
              <textarea
                id="apply-reason"
                className={area}
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
              <Button
                type="submit"
                variant="danger"
                data-testid="apply"
                disabled={!!busy || !reason.trim() || (detail.confirmText !== null && typed !== detail.confirmText)}
              >
                {glass ? 'Break glass and apply' : `Apply plan #${plan.id}`}
              </Button>
            </form>
          )}
        </Card>
      )}
    </div>
  );
}

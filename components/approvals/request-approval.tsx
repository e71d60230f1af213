'use client';

// Shown instead of the live step when the approval policy covers a plan's apply: the policy's
// sentence, a reason, and "Request approval"; once requested, a link to the request, whose
// page the requester applies from after approval. A plan that can be applied two ways that
// both need approval (an instantiate dry run: live or kept) asks which one the request is for.
import Link from 'next/link';
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import type { ApprovalNeed } from '@/lib/auth/action-types';
import { approvalKeys } from './keys';

interface Answer {
  ok: boolean;
  message: string;
  result?: { requestId: number };
}

const MODE_LABELS: Record<string, string> = { live: 'a live run', dry_run: 'a kept dry run', durable: 'a durable run' };

async function postRequest(planId: number, reason: string, mode: string | undefined): Promise<Answer> {
  const res = await fetch('/api/approvals', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ planId, reason, ...(mode ? { mode } : {}) }),
  });
  return (await res.json()) as Answer;
}

export function RequestApproval({ planId, need }: { planId: number; need: ApprovalNeed }) {
  const [reason, setReason] = useState('');
  const [mode, setMode] = useState(need.modes[0]?.mode);
  const qc = useQueryClient();
  const send = useMutation({
    mutationFn: () => postRequest(planId, reason, need.modes.length > 1 ? mode : undefined),
    onSuccess: () => qc.invalidateQueries({ queryKey: approvalKeys.all }),
  });
  const made = send.data?.ok ? send.data.result?.requestId : (need.requestId ?? undefined);
  return (
    <div
      data-testid="request-approval"
      className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
    >
      <p>
        <strong>Needs approval:</strong> {need.sentence}. Plan #{planId} runs only once approved, unchanged, before it
        expires.
      </p>
      {made ? (
        <p data-testid="request-made">
          Approval request{' '}
          <Link className="font-semibold underline" href={`/approvals/${made}`}>
            #{made}
          </Link>{' '}
          is {send.data?.ok ? 'pending' : need.status}; apply the plan from its page once it is approved.
        </p>
      ) : (
        // not a form: this sits inside the recipe page's own form, and forms do not nest
        <div className="space-y-2">
          {need.modes.length > 1 && (
            <fieldset className="space-y-1 text-xs" data-testid="approval-mode">
              <legend className="font-medium">Ask approval for</legend>
              {need.modes.map((m) => (
                <label key={m.mode} className="flex items-center gap-2">
                  <input
                    type="radio"
                    name={`approval-mode-${planId}`}
                    value={m.mode}
                    checked={mode === m.mode}
                    onChange={() => setMode(m.mode)}
                  />
                  {MODE_LABELS[m.mode] ?? m.mode}
                </label>
              ))}
            </fieldset>
          )}
          <label className="block text-xs font-medium" htmlFor={`approval-reason-${planId}`}>
            Reason (shown to the approvers)
          </label>
          <textarea
            id={`approval-reason-${planId}`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={2}
            className="w-full rounded-md border border-amber-300 bg-white px-2 py-1 text-sm"
          />
          <Button onClick={() => send.mutate()} disabled={!reason.trim() || send.isPending}>
            {send.isPending ? 'Requesting…' : 'Request approval'}
          </Button>
          {send.data && !send.data.ok && (
            <p role="alert" className="text-xs text-red-800">
              {send.data.message}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

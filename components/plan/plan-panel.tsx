// How a page shows a plan: which preview a step applies ("Applies plan #12 by you (lena),
// 3 min ago"), what that preview showed, and — while the step is not offered — why not.
import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/badge';
import { minutesAgo, minutesLeft } from '@/components/ui/format';
import { cn } from '@/components/ui/cn';
import { RequestApproval } from '@/components/approvals/request-approval';
import type { PlanRef } from './plan-flow';
import type { FlowCheck } from './use-plan-flow';

/** "Applies plan #12 by you (lena), 4 min ago": which preview this step applies, and until when. */
export function PlanLine({ plan, className }: { plan: PlanRef; className?: string }) {
  const left = plan.expiresAt ? minutesLeft(plan.expiresAt) : null;
  return (
    <p
      data-testid="plan-line"
      className={cn('mt-3 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-xs text-sky-900', className)}
    >
      Applies <strong>plan #{plan.id}</strong> by you ({plan.username}), {minutesAgo(plan.createdAt)}; it runs only if
      it still does exactly what that preview showed, and only once{left === null ? '' : ` (expires in ${left} min)`}.
    </p>
  );
}

/**
 * Why the step is not offered (edited since the preview, the plan refused or used), or nothing
 * when it is; when the approval policy covers the plan, the request for approval instead.
 */
export function PlanWhy({ check, id }: { check: FlowCheck; id?: string }) {
  if (check.ready || !check.why) return null;
  if (check.approval) return <RequestApproval planId={check.approval.planId} need={check.approval.need} />;
  return (
    <p id={id} data-testid="plan-why" data-changed={check.changed.join(',')} className="text-xs text-amber-800">
      {check.why}
    </p>
  );
}

/**
 * A preview's answer with its plan: the heading and badge, what it showed (children), the plan
 * line while the plan can be applied, and why not otherwise.
 */
export function PlanPanel({
  title,
  plan,
  check,
  children,
  testId,
  className,
}: {
  title: ReactNode;
  /** The plan this preview made (null once used, dropped, or when it made none). */
  plan: PlanRef | null;
  check: FlowCheck;
  children: ReactNode;
  testId?: string;
  className?: string;
}) {
  return (
    <section data-testid={testId ?? 'plan-panel'} data-ready={check.ready} className={cn('space-y-2', className)}>
      <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
        {title}
        <Badge tone="info">rolled back</Badge>
      </h2>
      {children}
      {plan && check.ready && <PlanLine plan={plan} className="mt-0" />}
      <PlanWhy check={check} />
    </section>
  );
}

'use client';

// The one preview → plan → confirm → apply flow of the console's live and destructive steps
// (instantiate, bulk, rollback, compose, close all gates). A successful preview keeps its
// plan with the parameters it ran with; the apply is offered only while the form still
// matches them (checkPlan, the server's comparison); the apply names that plan; a refusal
// that makes the plan unusable (plan_stale, plan_used, plan_expired, plan_required) drops it,
// so the confirm button is disabled and says to run the preview again.
import { useCallback, useMemo, useRef, useState, useTransition, type ReactNode } from 'react';
import {
  canonicalJson,
  checkPlan,
  dropsPlan,
  refusedBeforeRun,
  type CheckWords,
  type Gone,
  type PlanCheck,
  type PlanRef,
  type Planned,
} from './plan-flow';
import type { FormParams } from './plan-params';
import { useApprovalNeedQuery } from '@/components/approvals/use-approval-need-query';
import type { ApprovalNeed } from '@/lib/auth/action-types';

/** The check, and when the approval policy covers the plan's apply, what it needs (the page offers a request). */
export type FlowCheck = PlanCheck & { approval?: { planId: number; need: ApprovalNeed } };

/** What the flow needs of an action's answer (ActionResult has all of it). */
export interface FlowAnswer {
  ok: boolean;
  decision: string;
  status: string;
  message: string;
  committed: boolean;
  plan?: PlanRef;
  planId?: number;
}

export interface PlanFlow<R extends FlowAnswer, K extends string> {
  planned: Planned<R> | null;
  check: FlowCheck;
  ready: boolean;
  gone: Gone | null;
  pending: boolean;
  /** Which request is in flight, so the preview button does not say "Running…" during an apply. */
  running: 'preview' | 'apply' | null;
  /** Runs a preview of these parameters; its plan is kept when it made one. */
  preview: (params: FormParams, send: () => Promise<R>, then?: (r: R) => void) => void;
  /** Records a preview made elsewhere (a bulk preflight job, whose plan exists once it ends). */
  keep: (params: FormParams, plan: PlanRef | null, preview: R) => void;
  /** Forgets the plan (a preview that made none, or a new preview under way). */
  forget: () => void;
  /**
   * Applies the plan. An answer that wrote nothing keeps the dialog open with the refusal (and
   * drops the plan if it can no longer be applied); a committed answer closes it, the plan used,
   * and is handed to `then`.
   */
  apply: (
    send: (planId: number | undefined) => Promise<R>,
    then: (r: R) => void,
    errorOf?: (r: R) => ReactNode,
  ) => void;
  /** Records an apply's answer; true when it committed (the dialog closes), false when it wrote nothing. */
  settle: (r: R, errorOf?: (r: R) => ReactNode) => boolean;
  dialog: {
    kind: K | null;
    n: number;
    error: ReactNode | null;
    open: (kind: K) => void;
    close: () => void;
    fail: (error: ReactNode) => void;
  };
}

export function usePlanFlow<R extends FlowAnswer, K extends string = 'apply'>({
  now,
  words,
}: {
  now: FormParams | null;
  words: CheckWords;
}): PlanFlow<R, K> {
  const [planned, setPlannedState] = useState<Planned<R> | null>(null);
  // the plan as of the last write, for callbacks that run after an await
  const plannedRef = useRef<Planned<R> | null>(null);
  const setPlanned = useCallback((p: Planned<R> | null) => {
    plannedRef.current = p;
    setPlannedState(p);
  }, []);
  const [gone, setGone] = useState<Gone | null>(null);
  const [dialog, setDialog] = useState<{ kind: K | null; n: number }>({ kind: null, n: 0 });
  const [dialogError, setDialogError] = useState<ReactNode | null>(null);
  const [pending, start] = useTransition();
  const [running, setRunning] = useState<'preview' | 'apply' | null>(null);

  const planId = planned?.plan?.id ?? null;
  const need = useApprovalNeedQuery(planId).data ?? null;
  const check = useMemo((): FlowCheck => {
    const c = checkPlan(planned, now, gone, words);
    // a plan the policy covers is applied from its approval request's page, not from here
    if (!c.ready || !need || planId === null) return c;
    return {
      ...c,
      ready: false,
      why: `Plan #${planId} needs approval before it runs: ${need.sentence}.`,
      approval: { planId, need },
    };
  }, [planned, now, gone, words, need, planId]);

  const keep = useCallback(
    (params: FormParams, plan: PlanRef | null, preview: R) => {
      setGone(null);
      setPlanned(params.valid ? { key: canonicalJson(params.params), params: params.params, plan, preview } : null);
    },
    [setPlanned],
  );
  const forget = useCallback(() => setPlanned(null), [setPlanned]);

  const settle = useCallback(
    (r: R, errorOf?: (r: R) => ReactNode) => {
      // refused before it ran, or refused and rolled back: nothing was written, the dialog says why
      if (refusedBeforeRun(r) || (!r.ok && !r.committed)) {
        setDialogError(errorOf ? errorOf(r) : r.message);
        if (dropsPlan(r.status)) {
          setGone({
            kind: 'refused',
            status: r.status,
            message: r.message,
            planId: r.planId ?? plannedRef.current?.plan?.id ?? null,
          });
          setPlanned(null);
        }
        return false;
      }
      // it committed (a run, or a refusal the runbook keeps in the event log): a plan runs once
      setGone({ kind: 'used', planId: plannedRef.current?.plan?.id ?? null });
      setPlanned(null);
      setDialogError(null);
      setDialog((d) => ({ ...d, kind: null }));
      return true;
    },
    [setPlanned],
  );

  const preview = useCallback(
    (params: FormParams, send: () => Promise<R>, then?: (r: R) => void) =>
      start(async () => {
        setRunning('preview');
        try {
          const r = await send();
          if (r.ok && !r.committed) keep(params, r.plan ?? null, r);
          else setPlanned(null);
          then?.(r);
        } finally {
          setRunning(null);
        }
      }),
    [keep, setPlanned],
  );

  const apply = useCallback(
    (send: (planId: number | undefined) => Promise<R>, then: (r: R) => void, errorOf?: (r: R) => ReactNode) =>
      start(async () => {
        setRunning('apply');
        setDialogError(null);
        try {
          const r = await send(plannedRef.current?.plan?.id);
          if (settle(r, errorOf)) then(r);
        } finally {
          setRunning(null);
        }
      }),
    [settle],
  );

  return {
    planned,
    check,
    ready: check.ready,
    gone,
    pending,
    running,
    preview,
    keep,
    forget,
    apply,
    settle,
    dialog: {
      kind: dialog.kind,
      n: dialog.n,
      error: dialogError,
      open: (kind: K) => {
        setDialogError(null);
        setDialog((d) => ({ kind, n: d.n + 1 }));
      },
      close: () => {
        setDialogError(null);
        setDialog((d) => ({ ...d, kind: null }));
      },
      fail: (error: ReactNode) => setDialogError(error),
    },
  };
}

'use client';

// The one confirm dialog for every live or destructive step. Radix's alert dialog traps
// focus, cancels on Esc and starts focus on Cancel; the fields are not in a form and Enter
// in them is swallowed, so only a click (or Space/Enter on the confirm button itself) can
// confirm. The confirm button stays disabled until the typed text matches exactly and a
// reason is given.
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { PlanLine } from '@/components/plan/plan-panel';
import type { PlanRef } from '@/components/plan/plan-flow';
import { Button } from './button';
import { controlClass, labelClass } from './field';

export interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  /** Restates exactly what will happen. */
  children: ReactNode;
  confirmLabel: string;
  /** A live or destructive step: the confirm button is red. */
  destructive?: boolean;
  /** The person must type this exact text (an instance key, batch tag, actor) to confirm. */
  typeToConfirm?: { label: string; value: string };
  /** Ask for a reason, recorded in the audit trail. */
  requireReason?: boolean;
  pending?: boolean;
  /** A refusal or error from the last attempt, shown inside the dialog. */
  error?: ReactNode;
  /** The plan this step applies: named in the dialog, so the person sees which preview runs. */
  plan?: PlanRef | null;
  /**
   * Why the step cannot be confirmed now (its plan was refused or the form changed): the
   * confirm button is disabled and this sentence stands beside it.
   */
  blocked?: ReactNode;
  onConfirm: (reason: string) => void;
}

const field = `${controlClass} font-mono`;

function swallowEnter(e: KeyboardEvent<HTMLInputElement | HTMLTextAreaElement>) {
  if (e.key === 'Enter' && !(e.currentTarget instanceof HTMLTextAreaElement && e.shiftKey)) e.preventDefault();
}

/** A modal that confirms one live or destructive step, with typed confirmation and a reason. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  children,
  confirmLabel,
  destructive = true,
  typeToConfirm,
  requireReason = true,
  pending = false,
  error,
  plan,
  blocked,
  onConfirm,
}: ConfirmDialogProps) {
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  // Radix returns focus to its own Trigger; this dialog is opened by any button the caller
  // owns, so it remembers that button and gives focus back to it on close
  const returnTo = useRef<HTMLElement | null>(null);
  const typedId = useId();
  const reasonId = useId();
  const blockedId = useId();
  const typedOk = !typeToConfirm || typed === typeToConfirm.value;
  const reasonOk = !requireReason || reason.trim().length > 0;
  const change = (next: boolean) => {
    if (pending) return;
    if (!next) {
      setTyped('');
      setReason('');
    }
    onOpenChange(next);
  };

  return (
    <AlertDialog.Root open={open} onOpenChange={change}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/50" />
        <AlertDialog.Content
          data-testid="confirm-dialog"
          onOpenAutoFocus={() => {
            returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
          }}
          onCloseAutoFocus={(e) => {
            const el = returnTo.current;
            returnTo.current = null;
            if (el && el.isConnected) {
              e.preventDefault();
              el.focus();
            }
          }}
          className="fixed left-1/2 top-1/2 z-50 w-[min(36rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-6 shadow-xl focus:outline-none"
        >
          <AlertDialog.Title className="text-lg font-semibold text-slate-900">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="mt-2 space-y-2 text-sm text-slate-700">{children}</div>
          </AlertDialog.Description>
          {plan && <PlanLine plan={plan} />}
          {typeToConfirm && (
            <div className="mt-4">
              <label htmlFor={typedId} className={labelClass}>
                {typeToConfirm.label} <code className="rounded bg-slate-100 px-1 font-mono">{typeToConfirm.value}</code>
              </label>
              <input
                id={typedId}
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                onKeyDown={swallowEnter}
                autoComplete="off"
                spellCheck={false}
                className={field}
                aria-invalid={typed.length > 0 && !typedOk}
              />
              {typed.length > 0 && !typedOk && (
                <p className="mt-1 text-xs text-red-700">That does not match yet; type it exactly as shown.</p>
              )}
            </div>
          )}
          {requireReason && (
            <div className="mt-4">
              <label htmlFor={reasonId} className={labelClass}>
                Reason (kept in the audit trail)
              </label>
              <textarea
                id={reasonId}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                onKeyDown={swallowEnter}
                rows={2}
                className={field}
              />
            </div>
          )}
          {error && (
            <div
              role="alert"
              data-testid="confirm-error"
              className="mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
            >
              {error}
            </div>
          )}
          {blocked && (
            <p id={blockedId} data-testid="confirm-blocked" className="mt-3 text-sm text-amber-800">
              {blocked}
            </p>
          )}
          <div className="mt-6 flex justify-end gap-3">
            <AlertDialog.Cancel asChild>
              <Button variant="secondary" disabled={pending}>
                Cancel
              </Button>
            </AlertDialog.Cancel>
            {/* not AlertDialog.Action: that would close the dialog before the result is known */}
            <Button
              variant={destructive ? 'danger' : 'primary'}
              disabled={pending || !!blocked || !typedOk || !reasonOk}
              aria-describedby={blocked ? blockedId : undefined}
              onClick={() => onConfirm(reason.trim())}
              data-testid="confirm-button"
            >
              {pending ? 'Working…' : confirmLabel}
            </Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}

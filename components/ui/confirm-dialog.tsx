'use client';

// The one confirm dialog for every live or destructive step. Radix's alert dialog traps
// focus, cancels on Esc and starts focus on Cancel; the fields are not in a form and Enter
// in them is swallowed, so only a click (or Space/Enter on the confirm button itself) can
// confirm. The confirm button stays disabled until the typed text matches exactly and a
// reason is given.
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { PlanView } from '@/lib/auth/plans';
import { Button } from './button';

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
  plan?: PlanLineProps['plan'] | null;
  onConfirm: (reason: string) => void;
}

const field = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm focus:border-sky-500 focus:outline-none';

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
  onConfirm,
}: ConfirmDialogProps) {
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  // Radix returns focus to its own Trigger; this dialog is opened by any button the caller
  // owns, so it remembers that button and gives focus back to it on close
  const returnTo = useRef<HTMLElement | null>(null);
  const typedId = useId();
  const reasonId = useId();
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
              <label htmlFor={typedId} className="block text-sm font-medium text-slate-700">
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
              {typed.length > 0 && !typedOk && <p className="mt-1 text-xs text-red-700">That does not match yet; type it exactly as shown.</p>}
            </div>
          )}
          {requireReason && (
            <div className="mt-4">
              <label htmlFor={reasonId} className="block text-sm font-medium text-slate-700">
                Reason (kept in the audit trail)
              </label>
              <textarea id={reasonId} value={reason} onChange={(e) => setReason(e.target.value)} onKeyDown={swallowEnter} rows={2} className={field} />
            </div>
          )}
          {error && (
            <div role="alert" data-testid="confirm-error" className="mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
              {error}
            </div>
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
              disabled={pending || !typedOk || !reasonOk}
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

function minutesAgo(iso: string): string {
  const min = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));
  return min < 1 ? 'just now' : `${min} min ago`;
}

interface PlanLineProps {
  /** A plan as a preview answered it (a bulk preflight's job knows only its id, owner and end). */
  plan: Pick<PlanView, 'id' | 'username' | 'createdAt'> & { expiresAt?: string };
}

/** "Plan #12 by you, 4 min ago": which preview this step applies, and until when. */
export function PlanLine({ plan }: PlanLineProps) {
  const left = plan.expiresAt ? Math.max(0, Math.round((Date.parse(plan.expiresAt) - Date.now()) / 60_000)) : null;
  return (
    <p data-testid="plan-line" className="mt-3 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-xs text-sky-900">
      Applies <strong>plan #{plan.id}</strong> by you ({plan.username}), {minutesAgo(plan.createdAt)}; it runs only if it still does
      exactly what that preview showed, and only once{left === null ? '' : ` (expires in ${left} min)`}.
    </p>
  );
}

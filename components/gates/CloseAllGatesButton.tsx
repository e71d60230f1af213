'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { ActionResult } from '@/lib/auth/authorize';

export type CloseAllGatesAction = (
  input: { preview: true } | { reason: string; confirmText: string; planId?: number },
) => Promise<ActionResult<string[]>>;

/** What a lead types to close the gates: a phrase, so that no stray click does it (the server checks it too). */
export const CLOSE_ALL_PHRASE = 'close all gates';

/**
 * A lead's "close all gates" behind the ConfirmDialog. Opening it previews: the open gates are
 * read and kept as a plan; the close applies that plan (it closes exactly those gates or, if
 * they changed, nothing). The server needs the lead role, the plan, the typed phrase and a reason.
 */
export function CloseAllGatesButton({ leaked, closeAction, tone = 'danger' }: { leaked: string[]; closeAction: CloseAllGatesAction; tone?: 'danger' | 'onDanger' }) {
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const [planned, setPlanned] = useState<Extract<ActionResult<string[]>, { ok: true }> | null>(null);
  const look = () =>
    start(async () => {
      setError(null);
      const r = await closeAction({ preview: true });
      if (r.ok) setPlanned(r);
      else setError(r.message);
      setOpen(true);
    });
  const confirm = (reason: string) =>
    start(async () => {
      const r = await closeAction({ reason, confirmText: CLOSE_ALL_PHRASE, planId: planned?.plan?.id });
      if (!r.ok) {
        setError(r.message);
        return;
      }
      setError(null);
      setOpen(false);
      await qc.invalidateQueries({ queryKey: ['gates'] });
      router.refresh();
    });
  return (
    <>
      <Button
        variant={tone === 'danger' ? 'danger' : 'secondary'}
        className={tone === 'onDanger' ? 'border-white px-3 py-1 text-red-700' : undefined}
        disabled={pending && !open}
        onClick={look}
      >
        Close all gates…
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (!next) setError(null);
        }}
        title="Close all gates?"
        confirmLabel="Close all gates"
        typeToConfirm={{ label: 'Type to confirm:', value: CLOSE_ALL_PHRASE }}
        requireReason
        pending={pending}
        error={error}
        plan={planned?.plan ?? null}
        onConfirm={confirm}
      >
        <p>
          Sets every open iu_core gate back to <code>false</code> in committed data:{' '}
          {(planned?.result ?? leaked).length ? (planned?.result ?? leaked).join(', ') : 'none is open right now'}.
        </p>
        <p>A recipe that is running holds its gate row until it commits; this waits for it. The reason goes to the audit trail.</p>
      </ConfirmDialog>
    </>
  );
}

'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { closeGatesPlanParams } from '@/components/plan/plan-params';
import { usePlanFlow } from '@/components/plan/use-plan-flow';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { ActionResult } from '@/lib/auth/authorize';
import type { definition as closeAllGates } from '@/lib/recipes/close-all-gates/recipe';
import type { RunRecipe } from '@/lib/recipes/define';

/** What a lead types to close the gates: a phrase, so that no stray click does it (the server checks it too). */
export const CLOSE_ALL_PHRASE = 'close all gates';

/**
 * A lead's "close all gates" behind the ConfirmDialog. Opening it previews: the open gates are
 * read and kept as a plan; the close applies that plan (it closes exactly those gates or, if
 * they changed, nothing). The server needs the lead role, the plan, the typed phrase and a reason.
 */
const WORDS = { preview: 'preview', again: 'close this dialog and open it again' };
const NOW = closeGatesPlanParams();

export function CloseAllGatesButton({
  leaked,
  runRecipe,
  tone = 'danger',
}: {
  leaked: string[];
  /** The console's recipe action (app/(console)/recipe-action.ts). */
  runRecipe: RunRecipe;
  tone?: 'danger' | 'onDanger';
}) {
  const qc = useQueryClient();
  const router = useRouter();
  const flow = usePlanFlow<ActionResult<string[]>>({ now: NOW, words: WORDS });
  // opening the dialog is the preview: the open gates are read and kept as the plan
  const look = () =>
    flow.preview(
      NOW,
      () => runRecipe<typeof closeAllGates>('close-all-gates', { preview: true }),
      (r) => {
        flow.dialog.open('apply');
        if (!r.ok) flow.dialog.fail(r.message);
      },
    );
  const confirm = (reason: string) =>
    flow.apply(
      (planId) => runRecipe<typeof closeAllGates>('close-all-gates', { reason, confirmText: CLOSE_ALL_PHRASE, planId }),
      async () => {
        await qc.invalidateQueries({ queryKey: ['gates'] });
        router.refresh();
      },
    );
  const open = flow.dialog.kind === 'apply';
  const planned = flow.planned?.preview.ok ? flow.planned.preview : null;
  const gates = planned?.result ?? leaked;
  return (
    <>
      <Button
        variant={tone === 'danger' ? 'danger' : 'secondary'}
        className={tone === 'onDanger' ? 'border-white px-3 py-1 text-red-700' : undefined}
        disabled={flow.pending && !open}
        onClick={look}
      >
        Close all gates…
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={(next) => {
          if (!next) flow.dialog.close();
        }}
        title="Close all gates?"
        confirmLabel="Close all gates"
        typeToConfirm={{ label: 'Type to confirm:', value: CLOSE_ALL_PHRASE }}
        requireReason
        pending={flow.pending}
        error={flow.dialog.error}
        plan={flow.planned?.plan ?? null}
        blocked={flow.ready ? undefined : flow.check.why}
        onConfirm={confirm}
      >
        <p>
          Sets every open iu_core gate back to <code>false</code> in committed data:{' '}
          {gates.length ? gates.join(', ') : 'none is open right now'}.
        </p>
        <p>
          A recipe that is running holds its gate row until it commits; this waits for it. The reason goes to the audit
          trail.
        </p>
      </ConfirmDialog>
    </>
  );
}

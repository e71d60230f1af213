// The console's "new template version" action: the compose recipe behind the authorized
// wrapper. A preview runs the whole recipe, rolls back and stores its plan; a commit applies
// that plan (the same person and parameters, the same version) with the new key typed.
import type { z } from 'zod';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { composeInputSchema, runTagSchema } from '../schemas';
import { checkbox, isChecked } from '../action-fields';
import { composeTemplateVersion, type ComposeResult } from './recipe';

// safeExtend keeps the schema's refinements (a role or a reused piece named twice).
// `actor`, `user` or anything else unknown is stripped: the actor comes from the session.
export const composeActionInput = composeInputSchema.safeExtend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

export type ComposeActionInput = z.input<typeof composeActionInput>;

export const composeTemplateVersionAction: RecipeAction<typeof composeActionInput, ComposeResult> = {
  input: composeActionInput,
  mode: (v) => (isChecked(v.preview) ? 'preview' : 'live'),
  reasonRequired: (v) => !v.preview,
  run: (ctx, v) => {
    const { preview, runTag: _tag, reason: _reason, ...input } = v;
    return composeTemplateVersion(ctx, { ...input, commit: !preview });
  },
  // a commit applies a preview's plan: the whole compose input, and the version it showed
  // (its key and the version it follows); the new key is what the confirm dialog asks for
  plan: {
    applies: (v) => !v.preview,
    params: (v) => {
      const { preview: _p, reason: _r, ...same } = v;
      return { ...same, runTag: v.runTag ?? null };
    },
    effect: (o) => composeEffect(o.result),
    drift: (planned, o) => {
      if (!o.ok) return `The compose now answers ${o.status}; nothing was written: preview again.`;
      const got = composeEffect(o.result as ComposeResult);
      const same = (['collectionKey', 'previousCollectionId', 'pieces'] as const).every(
        (k) => JSON.stringify(planned[k]) === JSON.stringify(got[k]),
      );
      if (same) return null;
      const after = (e: Record<string, unknown>) =>
        `${e.collectionKey}${e.previousVersionLabel ? ` after ${e.previousVersionLabel}` : ''}`;
      return `Your preview made ${after(planned)}; now the commit would make ${after(got)}. Nothing was written: preview again.`;
    },
    typed: (_v, planned) => String(planned.collectionKey),
  },
  summarize: (o) =>
    o.ok
      ? `${o.result.collectionKey} (${o.result.previous ? `${o.result.previous.versionLabel} → ` : ''}${o.result.versionLabel}): ` +
        `${o.result.newPieceIds.length} new, ${o.result.pieces.length - o.result.newPieceIds.length} reused pieces, actor ${o.result.actor}${o.committed ? '' : ', rolled back'}`
      : `${o.status}: ${o.message}`,
};

/** What a compose makes: the version's key, the version it follows, and its pieces in order. */
function composeEffect(r: ComposeResult): Record<string, unknown> {
  return {
    collectionKey: r.collectionKey,
    versionLabel: r.versionLabel,
    previousCollectionId: r.previous?.collectionId ?? null,
    previousVersionLabel: r.previous?.versionLabel ?? null,
    // reused pieces by id; new pieces by address (their ids are made anew by every run)
    pieces: r.pieces.map((p) => [p.role, p.reused ? p.iuId : null, p.canonicalAddress]),
  };
}

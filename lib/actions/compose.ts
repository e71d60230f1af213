// The console's "new template version" action: the compose recipe behind the authorized
// wrapper. A preview runs the whole recipe and rolls back; a commit needs that preview (same
// person, same parameters) and the new version's collection key typed in the confirm dialog.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf, type Database } from '@/db/client';
import { reasonField, type ActionDefinition } from '@/lib/auth/authorize';
import type { AuditMode } from '@/lib/auth/audit';
import { composeInputSchema, composeTemplateVersion, planNextVersion, runTagSchema, type ComposeResult } from '@/lib/recipes';

const checkbox = z
  .union([z.boolean(), z.literal('on'), z.literal('true'), z.literal('false'), z.literal('')])
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true');

// safeExtend keeps the schema's refinements (a role or a reused piece named twice).
// `actor`, `user` or anything else unknown is stripped: the actor comes from the session.
export const composeActionInput = composeInputSchema.safeExtend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

export type ComposeActionInput = z.input<typeof composeActionInput>;

const isPreview = (v: Record<string, unknown>) => v.preview === true || v.preview === 'on' || v.preview === 'true';

export const composeTemplateVersionDefinition: ActionDefinition<typeof composeActionInput, ComposeResult> = {
  // the same recipe name the CLI's `iu compose` records
  name: 'compose_template_version',
  role: 'operator',
  input: composeActionInput,
  mode: (v): AuditMode => (isPreview(v) ? 'preview' : 'live'),
  reasonRequired: (v) => !v.preview,
  run: (ctx, v) => {
    const { preview, runTag: _tag, reason: _reason, ...input } = v;
    return composeTemplateVersion(ctx, { ...input, commit: !preview });
  },
  // a commit needs a preview of the whole compose input, and the new version's key typed
  confirmed: {
    applies: (v) => !v.preview,
    sameAs: (v) => {
      const { preview: _p, reason: _r, ...same } = v;
      return { ...same, runTag: v.runTag ?? null };
    },
    // planned against the chain as it is now: if someone registered a version since the
    // preview, the key is the next one and no longer what the dialog showed
    typed: (v, db) => commitKey(db, v.family, v.previousCollectionId),
  },
  summarize: (o) =>
    o.ok
      ? `${o.result.collectionKey} (${o.result.previous ? `${o.result.previous.versionLabel} → ` : ''}${o.result.versionLabel}): ` +
        `${o.result.newPieceIds.length} new, ${o.result.pieces.length - o.result.newPieceIds.length} reused pieces, actor ${o.result.actor}${o.committed ? '' : ', rolled back'}`
      : `${o.status}: ${o.message}`,
};

/**
 * The collection key a commit is confirmed with: the next version's key, planned as the
 * recipe plans it. When the chain moved past the version the wizard started from, it is the
 * key the preview showed, so a correctly typed commit goes on to the recipe's own refusal
 * (previous_version_mismatch, with its sentence) instead of a puzzling "did not match".
 */
export async function commitKey(db: Database, family: string, previousCollectionId?: string): Promise<string> {
  const rows = async <R>(q: ReturnType<typeof sql>) => rowsOf<R>(await db.orm.execute(q));
  const plan = await planNextVersion(rows, family, previousCollectionId);
  if (!('ok' in plan)) return plan.key;
  if (previousCollectionId) {
    const [prev] = await rows<{ template_family: string; version_seq: number }>(
      sql`SELECT template_family, version_seq FROM iu_template_version WHERE collection_id = ${previousCollectionId}::uuid`,
    );
    if (prev) return `${prev.template_family}/v${Number(prev.version_seq) + 1}`;
  }
  // nothing can be typed to match: the commit is refused before anything runs
  return '\u0000';
}

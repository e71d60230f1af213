// Runbook recipe "File template versioning": compose the next version of a family, close
// the composer gate, mark it as a template, register the previous version if it never was,
// then register the new one. One transaction; any refusal rolls all of it back.
//
// The console's "new template version" action: the compose recipe behind the authorized
// wrapper. A preview runs the whole recipe, rolls back and stores its plan; a commit applies
// that plan (the same person and parameters, the same version) with the new key typed.
import { sql } from 'drizzle-orm';
import { reasonField, type RecipeAction } from '@/lib/auth/authorize';
import { checkbox, isChecked } from '../action-fields';
import { defineRecipe } from '../define';
import { actorOf, invalidInput, refuse, runRecipe } from '../run';
import { composeInputSchema, runTagSchema, type ComposeInput } from '../schemas';
export { suggestAddress } from '../address';
import type { FieldIssue, RecipeContext, RecipeResult, Refusal, Status } from '../types';

export interface ComposeResult {
  family: string;
  collectionId: string;
  collectionKey: string;
  versionSeq: number;
  versionLabel: string;
  previous: { collectionId: string; versionLabel: string; registeredNow: boolean } | null;
  pieces: { role: string; iuId: string; reused: boolean; canonicalAddress: string }[];
  newPieceIds: string[];
  actor: string;
}

type Rows = <R>(q: ReturnType<typeof sql>) => Promise<R[]>;

export interface VersionPlan {
  seq: number;
  label: string;
  /** The new version's collection key, `tpl:<family>/v<n>`: what a commit's confirm dialog asks to type. */
  key: string;
  previous: ComposeResult['previous'];
}

/**
 * Where the family's chain stands and which version comes next: after the latest registered
 * version, or v2 after an unregistered v1 (named, or found by its key `tpl:<family>/v1`), or
 * v1 of a new family. The recipe plans inside its transaction; the console's confirm rule
 * plans the same way to know the key a commit must be confirmed with.
 */
export async function planNextVersion(
  rows: Rows,
  familyName: string,
  previousCollectionId?: string,
): Promise<VersionPlan | Refusal> {
  const family = `tpl:${familyName.replace(/^tpl:/, '')}`;
  const [latest] = await rows<{ collection_id: string; version_seq: number; version_label: string }>(sql`
    SELECT collection_id, version_seq, version_label FROM iu_template_version
     WHERE template_family = ${family} ORDER BY version_seq DESC LIMIT 1`);
  let previous: ComposeResult['previous'] = null;
  let seq = 1;
  if (latest) {
    if (previousCollectionId && previousCollectionId !== latest.collection_id) {
      return refuse('previous_version_mismatch', {
        message: `${family} is already at ${latest.version_label}; the new version must follow it, not the collection named.`,
        issues: [
          {
            field: 'previousCollectionId',
            message: `${family} is now at ${latest.version_label}; compose from ${latest.version_label}, the latest version.`,
          },
        ],
      });
    }
    previous = { collectionId: latest.collection_id, versionLabel: latest.version_label, registeredNow: false };
    seq = Number(latest.version_seq) + 1;
  } else {
    const [v1] = previousCollectionId
      ? await rows<{ id: string }>(sql`SELECT id FROM iu_piece_collection WHERE id = ${previousCollectionId}::uuid`)
      : await rows<{ id: string }>(sql`SELECT id FROM iu_piece_collection WHERE collection_key = ${`${family}/v1`}`);
    if (previousCollectionId && !v1) return refuse('collection_not_found', { step: 'previous' });
    if (v1) {
      previous = { collectionId: v1.id, versionLabel: 'v1', registeredNow: true };
      seq = 2;
    }
  }
  const label = `v${seq}`;
  return { seq, label, key: `${family}/${label}`, previous };
}

/**
 * The substrate names the piece it refused (a taken address, a missing reused piece): point
 * the refusal at that piece's field, so a form can show it next to the field.
 */
function pieceIssues(pieces: ComposeInput['pieces'], r: Record<string, unknown>): FieldIssue[] | undefined {
  if (r.status === 'canonical_address_collision' && typeof r.canonical_address === 'string') {
    const out = pieces.flatMap((p, i) =>
      'newPiece' in p && p.newPiece.canonicalAddress.trim() === r.canonical_address
        ? [
            {
              field: `pieces.${i}.newPiece.canonicalAddress`,
              message: `The address ${r.canonical_address} is already taken (by an existing piece or another new piece here); give this piece a different address.`,
            },
          ]
        : [],
    );
    return out.length ? out : undefined;
  }
  if (r.status === 'piece_not_found' && typeof r.iu_id === 'string') {
    const out = pieces.flatMap((p, i) =>
      'iuId' in p && p.iuId.toLowerCase() === String(r.iu_id).toLowerCase()
        ? [
            {
              field: `pieces.${i}.iuId`,
              message: `The piece ${r.iu_id} does not exist or is retired; replace it with a new piece or drop it.`,
            },
          ]
        : [],
    );
    return out.length ? out : undefined;
  }
  return undefined;
}

/** Composes, marks and registers the next version; `commit: false` previews and rolls back. */
export async function composeTemplateVersion(
  ctx: RecipeContext,
  input: ComposeInput & { commit: boolean },
): Promise<RecipeResult<ComposeResult>> {
  const parsed = composeInputSchema.safeParse(input);
  if (!parsed.success) return invalidInput(parsed.error);
  const actor = actorOf(ctx);
  if (typeof actor !== 'string') return actor;
  const v = parsed.data;
  const family = `tpl:${v.family}`;

  // a refusal at any step (mark, register) must roll back the compose before it, too
  return runRecipe<ComposeResult>(
    ctx,
    { gates: ['iu_core.composer_enabled'], commit: (o) => input.commit && o.ok },
    async (_tx, h) => {
      const fail = (step: string, r: Record<string, unknown>) =>
        refuse(String(r.status) as Exclude<Status, 'ok'>, { step, detail: r, issues: pieceIssues(v.pieces, r) });

      const plan = await planNextVersion(h.rows, v.family, v.previousCollectionId);
      if ('ok' in plan) return plan;
      const { seq, label, key, previous } = plan;

      const pieces = v.pieces.map((p) =>
        'iuId' in p
          ? { role: p.role, iu_id: p.iuId }
          : {
              role: p.role,
              new_piece: {
                canonical_address: p.newPiece.canonicalAddress,
                title: p.newPiece.title,
                body: p.newPiece.body,
                unit_kind: p.newPiece.unitKind,
                section_type: p.newPiece.sectionType,
              },
            },
      );
      const [c] = await h.rows<{ r: Record<string, unknown> }>(sql`
      SELECT fn_iu_compose(${key}, ${v.kind}, ${v.title}, ${v.description ?? null},
                           ${JSON.stringify(pieces)}::jsonb, ${actor}) AS r`);
      if (c.r.status !== 'ok') return fail('compose', c.r);
      const collectionId = String(c.r.collection_id);
      await h.closeGates();

      const [m] = await h.rows<{ r: Record<string, unknown> }>(
        sql`SELECT fn_iu_collection_mark_as_template(${collectionId}::uuid, ${v.label}, ${v.note ?? null}, ${actor}) AS r`,
      );
      if (m.r.status !== 'ok') return fail('mark_as_template', m.r);

      if (previous?.registeredNow) {
        const [p] = await h.rows<{ r: Record<string, unknown> }>(sql`
        SELECT fn_iu_collection_register_template_version(${previous.collectionId}::uuid, ${family}, 'v1', 1, NULL, ${actor}) AS r`);
        if (p.r.status !== 'ok' && p.r.status !== 'idempotent_replay') return fail('register_previous', p.r);
      }
      const [reg] = await h.rows<{ r: Record<string, unknown> }>(sql`
      SELECT fn_iu_collection_register_template_version(${collectionId}::uuid, ${family}, ${label}, ${seq}::int,
               ${previous?.collectionId ?? null}::uuid, ${actor}) AS r`);
      if (reg.r.status !== 'ok') return fail('register', reg.r);

      const members = await h.rows<{ role: string; iu_id: string; canonical_address: string }>(sql`
      SELECT m.role, m.iu_id, u.canonical_address FROM iu_piece_collection_member m
        JOIN information_unit u ON u.id = m.iu_id
       WHERE m.collection_id = ${collectionId}::uuid ORDER BY m.position`);
      const newIds = (c.r.new_piece_ids as string[]) ?? [];
      return {
        ok: true,
        status: 'ok',
        committed: false,
        result: {
          family,
          collectionId,
          collectionKey: key,
          versionSeq: seq,
          versionLabel: label,
          previous,
          pieces: members.map((mm) => ({
            role: mm.role,
            iuId: mm.iu_id,
            reused: !newIds.includes(mm.iu_id),
            canonicalAddress: mm.canonical_address,
          })),
          newPieceIds: newIds,
          actor,
        },
      };
    },
  );
}

// safeExtend keeps the schema's refinements (a role or a reused piece named twice).
// `actor`, `user` or anything else unknown is stripped: the actor comes from the session.
export const composeActionInput = composeInputSchema.safeExtend({
  preview: checkbox,
  runTag: runTagSchema,
  reason: reasonField,
});

const action: RecipeAction<typeof composeActionInput, ComposeResult> = {
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

export const definition = defineRecipe('compose-template-version', action);

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

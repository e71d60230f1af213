// Runbook recipe "File template versioning": compose the next version of a family, close
// the composer gate, mark it as a template, register the previous version if it never was,
// then register the new one. One transaction; any refusal rolls all of it back.
import { sql } from 'drizzle-orm';
import { actorOf, invalidInput, refuse, runRecipe } from './run';
import { composeInputSchema, type ComposeInput } from './schemas';
import type { RecipeContext, RecipeResult, Status } from './types';

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

/** Suggested canonical address, after the runbook's convention. */
export function suggestAddress(macro: string, family: string, version: number, pieceName: string): string {
  const slug = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return `iu_core/template/${slug(macro) || 'doc'}/${slug(family)}-v${version}/${slug(pieceName) || 'piece'}`;
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
  return runRecipe<ComposeResult>(ctx, { gates: ['iu_core.composer_enabled'], commit: (o) => input.commit && o.ok }, async (_tx, h) => {
    const fail = (step: string, r: Record<string, unknown>) =>
      refuse(String(r.status) as Exclude<Status, 'ok'>, { step, detail: r });

    // Where the chain stands: the latest registered version, or an unregistered v1.
    const [latest] = await h.rows<{ collection_id: string; version_seq: number; version_label: string }>(sql`
      SELECT collection_id, version_seq, version_label FROM iu_template_version
       WHERE template_family = ${family} ORDER BY version_seq DESC LIMIT 1`);
    let previous: ComposeResult['previous'] = null;
    let seq = 1;
    if (latest) {
      if (v.previousCollectionId && v.previousCollectionId !== latest.collection_id) {
        return refuse('previous_version_mismatch', {
          message: `${family} is already at ${latest.version_label}; the new version must follow it, not the collection named.`,
        });
      }
      previous = { collectionId: latest.collection_id, versionLabel: latest.version_label, registeredNow: false };
      seq = latest.version_seq + 1;
    } else {
      const [v1] = v.previousCollectionId
        ? await h.rows<{ id: string }>(sql`SELECT id FROM iu_piece_collection WHERE id = ${v.previousCollectionId}::uuid`)
        : await h.rows<{ id: string }>(sql`SELECT id FROM iu_piece_collection WHERE collection_key = ${`${family}/v1`}`);
      if (v.previousCollectionId && !v1) return refuse('collection_not_found', { step: 'previous' });
      if (v1) {
        previous = { collectionId: v1.id, versionLabel: 'v1', registeredNow: true };
        seq = 2;
      }
    }
    const label = `v${seq}`;
    const key = `${family}/${label}`;

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
        pieces: members.map((mm) => ({ role: mm.role, iuId: mm.iu_id, reused: !newIds.includes(mm.iu_id), canonicalAddress: mm.canonical_address })),
        newPieceIds: newIds,
        actor,
      },
    };
  });
}

// The diff between two versions' pieces, by role. Pure: the family page and the tests use it.
import type { VersionPiece } from './template-families';

export type DiffKind = 'added' | 'removed' | 'reused' | 'changed';

export interface DiffEntry {
  kind: DiffKind;
  role: string;
  from: VersionPiece | null;
  to: VersionPiece | null;
  /** For `changed`: whether the title and/or the body differ. */
  titleChanged?: boolean;
  bodyChanged?: boolean;
}

/**
 * Compares two versions' pieces by role: the same piece in both is `reused`; a different
 * piece under the same role is `changed` (its text differs, or it is a new piece with the
 * same text); a role only in `to` is `added`, only in `from` is `removed`. Pure.
 */
export function diffPieces(from: VersionPiece[], to: VersionPiece[]): DiffEntry[] {
  const fromBy = new Map(from.map((p) => [p.role, p]));
  const toBy = new Map(to.map((p) => [p.role, p]));
  const out: DiffEntry[] = [];
  for (const t of to) {
    const f = fromBy.get(t.role);
    if (!f) out.push({ kind: 'added', role: t.role, from: null, to: t });
    else if (f.iuId === t.iuId) out.push({ kind: 'reused', role: t.role, from: f, to: t });
    else
      out.push({
        kind: 'changed',
        role: t.role,
        from: f,
        to: t,
        titleChanged: f.title !== t.title,
        bodyChanged: f.body !== t.body,
      });
  }
  for (const f of from) if (!toBy.has(f.role)) out.push({ kind: 'removed', role: f.role, from: f, to: null });
  return out;
}

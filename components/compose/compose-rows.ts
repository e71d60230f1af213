// The wizard's model: a row per piece (kept, replaced, dropped or added), the names its
// fields go by in sentences, and the answer's issue paths re-worded as the form reads.
import type { ActionResult } from '@/lib/auth/authorize';
import type { BasePiece } from '@/lib/queries/compose';
import type { ComposeResult } from '@/lib/recipes/compose-template-version/recipe';

export type Choice = 'keep' | 'replace' | 'drop';

export interface Row {
  id: string;
  /** The previous version's piece, or null for a piece added here. */
  origin: BasePiece | null;
  choice: Choice;
  role: string;
  title: string;
  body: string;
  /** Set once the person edits the address; until then it follows the suggestion. */
  address: string | null;
}

export type Result = ActionResult<ComposeResult>;

export const WORDS = {
  preview: 'preview',
  labels: {
    family: 'Family',
    kind: 'Kind',
    title: 'Title',
    description: 'Description',
    label: 'Template label',
    note: 'Note',
    runTag: 'Run tag',
    pieces: 'Pieces',
    previousCollectionId: 'Previous version',
  },
};

export function fromBase(p: BasePiece, i: number): Row {
  // a retired piece cannot be reused: start it as a replacement with its old text
  return {
    id: `base-${i}`,
    origin: p,
    choice: p.status === 'active' ? 'keep' : 'replace',
    role: p.role,
    title: p.title,
    body: p.body,
    address: null,
  };
}

export const isNewPiece = (r: Row) => r.origin === null || r.choice === 'replace';

const FIELD_NAMES: Record<string, string> = {
  family: 'Family',
  title: 'Title',
  label: 'Template label',
  description: 'Description',
  note: 'Note',
  kind: 'Kind',
  runTag: 'Run tag',
  reason: 'Reason',
  previousCollectionId: 'Previous version',
  pieces: 'Pieces',
  role: 'role',
  iuId: 'reused piece',
  'newPiece.canonicalAddress': 'canonical address',
  'newPiece.title': 'piece title',
  'newPiece.body': 'body',
};

/** An answer whose issue paths (pieces.3.newPiece.body) read as the form does (Piece 4 (risks), body). */
export function readable(r: Result, sent: string[]): Result {
  if (r.ok || !r.issues?.length) return r;
  const name = (field: string) => {
    const m = /^pieces\.(\d+)\.(.+)$/.exec(field);
    if (!m) return FIELD_NAMES[field] ?? field;
    const role = sent[Number(m[1])];
    return `Piece ${Number(m[1]) + 1}${role ? ` (${role})` : ''}, ${FIELD_NAMES[m[2]] ?? m[2]}`;
  };
  return { ...r, issues: r.issues.map((i) => ({ ...i, field: name(i.field) })) };
}

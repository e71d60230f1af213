// Reading the --pieces JSON of `iu compose`. The engine's shape is
//   [{ "role": "title", "iuId": "<uuid>" },
//    { "role": "intro", "newPiece": { "canonicalAddress": "…", "title": "…", "body": "…" } }]
// The runbook's snake_case (iu_id, new_piece, canonical_address, unit_kind, section_type) is
// accepted too, because operators copy pieces out of psql output. Validation proper is the
// engine's zod schema; this only parses and renames.

export type PiecesParse = { ok: true; pieces: unknown[] } | { ok: false; message: string };

const RENAMES: Record<string, string> = {
  iu_id: 'iuId',
  new_piece: 'newPiece',
  canonical_address: 'canonicalAddress',
  unit_kind: 'unitKind',
  section_type: 'sectionType',
};

function camelKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = RENAMES[k] ?? k;
    out[key] = key === 'newPiece' ? camelKeys(val) : val;
  }
  return out;
}

/** Parses the text of a pieces file; `source` names it in messages. */
export function parsePiecesJson(text: string, source: string): PiecesParse {
  if (!text.trim()) return { ok: false, message: `${source} is empty; it must hold a JSON array of pieces.` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `${source} is not valid JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(data)) {
    return {
      ok: false,
      message: `${source} must hold a JSON array of pieces, each {"role", "iuId"} or {"role", "newPiece": {…}}.`,
    };
  }
  return { ok: true, pieces: data.map(camelKeys) };
}

/**
 * zod reports a piece matching neither shape of the union as "Invalid input" or as an
 * unrecognized key of whichever shape it tried; say what is wrong with the piece instead.
 * Other issues pass through unchanged.
 */
export function explainPieceIssues(
  issues: { field: string; message: string }[],
  pieces: unknown[],
): { field: string; message: string }[] {
  return issues.map((issue) => {
    const m = /^pieces\.(\d+)$/.exec(issue.field);
    if (!m || !(issue.message === 'Invalid input' || issue.message.startsWith('Unrecognized key'))) return issue;
    const p = pieces[Number(m[1])];
    const n = Number(m[1]) + 1;
    if (!p || typeof p !== 'object' || Array.isArray(p))
      return { ...issue, message: `Piece ${n} must be an object such as {"role": "title", "iuId": "<uuid>"}.` };
    const o = p as Record<string, unknown>;
    const role = typeof o.role === 'string' && o.role.trim() ? ` (${o.role})` : '';
    const has = (k: string) => k in o;
    if (has('iuId') === has('newPiece')) {
      return {
        ...issue,
        message: `Piece ${n}${role} needs exactly one of "iuId" (reuse a piece) or "newPiece" (create one).`,
      };
    }
    const known = new Set(['role', 'iuId', 'newPiece']);
    const extra = Object.keys(o).filter((k) => !known.has(k));
    if (extra.length)
      return {
        ...issue,
        message: `Piece ${n}${role} has the unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}; a piece has only role and iuId or newPiece.`,
      };
    if (issue.message !== 'Invalid input') return issue;
    return {
      ...issue,
      message: `Piece ${n}${role} is not a valid piece: {"role", "iuId"} or {"role", "newPiece": {canonicalAddress, title, body}}.`,
    };
  });
}

import { describe, expect, it } from 'vitest';
import { composeInputSchema } from '@/lib/recipes';
import { explainPieceIssues, parsePiecesJson } from './pieces';

describe('parsePiecesJson', () => {
  it('accepts the engine shape unchanged', () => {
    const text = JSON.stringify([{ role: 'title', iuId: '25000b00-0000-4000-8000-000000000001' }]);
    expect(parsePiecesJson(text, 'f.json')).toEqual({
      ok: true,
      pieces: [{ role: 'title', iuId: '25000b00-0000-4000-8000-000000000001' }],
    });
  });

  it('renames the runbook snake_case keys to the engine shape', () => {
    const text = JSON.stringify([
      {
        role: 'intro',
        new_piece: {
          canonical_address: 'iu_core/template/x/f-v2/intro',
          title: 'Intro',
          body: 'Body',
          unit_kind: 'design_doc_section',
          section_type: 'section',
        },
      },
    ]);
    const r = parsePiecesJson(text, 'f.json');
    expect(r.ok).toBe(true);
    const parsed = composeInputSchema.safeParse({ family: 'f', title: 't', label: 'l', pieces: r.ok ? r.pieces : [] });
    expect(parsed.success).toBe(true);
  });

  it('names the source when the text is not a JSON array', () => {
    expect(parsePiecesJson('nope', 'stdin')).toMatchObject({
      ok: false,
      message: expect.stringContaining('stdin is not valid JSON'),
    });
    expect(parsePiecesJson('{}', 'a.json')).toMatchObject({
      ok: false,
      message: expect.stringContaining('a.json must hold a JSON array'),
    });
    expect(parsePiecesJson('  ', 'a.json')).toMatchObject({ ok: false, message: expect.stringContaining('empty') });
  });
});

describe('explainPieceIssues', () => {
  it('says which of iuId or newPiece a piece is missing instead of "Invalid input"', () => {
    const pieces = [{ role: 'b' }, { role: 'c', iuId: 'x', newPiece: {} }, 5, { role: 'd', iuId: 'x', colour: 'red' }];
    const issues = pieces.map((_, i) => ({
      field: `pieces.${i}`,
      message: i === 1 ? 'Unrecognized key: "newPiece"' : 'Invalid input',
    }));
    const out = explainPieceIssues(issues, pieces).map((i) => i.message);
    expect(out[0]).toBe('Piece 1 (b) needs exactly one of "iuId" (reuse a piece) or "newPiece" (create one).');
    expect(out[1]).toContain('Piece 2 (c) needs exactly one of');
    expect(out[2]).toContain('Piece 3 must be an object');
    expect(out[3]).toContain('unknown field colour');
  });

  it('leaves other issues alone', () => {
    const issues = [
      { field: 'pieces.0.iuId', message: 'The reused piece id must be a UUID.' },
      { field: 'title', message: 'The title is required.' },
    ];
    expect(explainPieceIssues(issues, [{}])).toEqual(issues);
  });
});

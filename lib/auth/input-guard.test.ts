import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { badCharacters, screenInput } from './input-guard';

describe('screenInput', () => {
  it('passes text with tabs, line breaks and any real character', () => {
    expect(
      screenInput({ body: 'line one\n\tline two\r\n', title: 'Zürich 東京 🚀', n: 5, ok: true, list: ['a'] }),
    ).toBeNull();
  });

  it.each([
    ['\u0000', 'U+0000'],
    ['\u0007', 'U+0007'],
    ['\u001b', 'U+001B'],
    ['\u007f', 'U+007F'],
    ['\u0085', 'U+0085'],
  ])('names the control character %j', (c, name) => {
    expect(badCharacters(`a${c}b`)).toBe(`a control character (${name})`);
  });

  it('refuses half a surrogate pair but not a whole one', () => {
    expect(badCharacters('x\ud800')).toMatch(/half of a two-part character/);
    expect(badCharacters('\udc00x')).toMatch(/half of a two-part character/);
    expect(badCharacters('🚀')).toBeNull();
  });

  it('finds a bad character at any depth and in a field name, with the field in the sentence', () => {
    const r = screenInput({
      pieces: [{ newPiece: { body: 'ok' } }, { newPiece: { title: 'x\u0000' } }],
      ['k\u0001']: 1,
    });
    expect(r?.success).toBe(false);
    expect(r!.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'pieces.1.newPiece.title',
        'pieces.1.newPiece.title contains a control character (U+0000); remove it and send again.',
      ],
      ['', 'A field name contains a control character (U+0001); remove it and send again.'],
    ]);
  });

  it('turns a wrong type into a sentence that says what to send', () => {
    const r = z.object({ reason: z.string() }).safeParse({ reason: ['x'] });
    expect(r.error?.issues[0].message).toBe('reason must be text, not a list; send it again as text.');
    const missing = z.object({ reason: z.string() }).safeParse({});
    expect(missing.error?.issues[0].message).toBe('reason is required; send it as text.');
  });
});

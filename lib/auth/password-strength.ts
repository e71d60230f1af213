// Password strength by zxcvbn (the @zxcvbn-ts port): it estimates how many guesses a
// password takes against dictionaries of common passwords, names and words, keyboard
// patterns, repeats, sequences and dates, so `aaaaaaaaaa`, `1234567890` and `Password123!`
// fail while four unrelated words pass. Length alone let all of them in.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

/**
 * zxcvbn's scale is 0–4; 3 is "safely unguessable: moderate protection from an offline
 * slow-hash attack" (about 10^8 guesses and up), its authors' advice for a minimum.
 */
export const MIN_STRENGTH_SCORE = 3;

/** Words every console password is checked against on top of the dictionaries. */
const CONSOLE_WORDS = ['iu', 'iu-core', 'iucore', 'console', 'iu-console', 'admin', 'lead', 'operator', 'viewer'];

let factory: ZxcvbnFactory | undefined;

// Built on first use: the dictionaries take a moment to load, and most requests never set a password.
function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return factory;
}

/** Why a password is too easy to guess, as one sentence that says what to do; null when it is strong enough. */
export function passwordWeakness(password: string, userInputs: string[] = []): string | null {
  // zxcvbn's cost grows with length; past 100 characters a password is not the weak point
  const r = zxcvbn().check(password.slice(0, 100), [...CONSOLE_WORDS, ...userInputs.filter(Boolean)]);
  if (r.score >= MIN_STRENGTH_SCORE) return null;
  const why = r.feedback.warning
    ? ` (${r.feedback.warning.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase())})`
    : '';
  return `This password is too easy to guess${why}; choose a longer one, such as four unrelated words, or a mix of at least 12 letters, digits and symbols with no name, date or keyboard pattern in it.`;
}

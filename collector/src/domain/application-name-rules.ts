import { scriptMix, scriptName } from './unicode-scripts.js';

/**
 * What a new application name may hold, beyond reading differently from every other
 * (application-name.ts): the key there merges the look-alikes it knows, these rules keep out
 * what it cannot know. Checked when a name is given (create, rename), never on names already
 * stored: those keep working, and start-up keys them like any other.
 *
 * - Characters: letters, combining marks, digits, the space and a few punctuation marks, read
 *   after NFKC (so fullwidth ＆ is &, a hair space a space). Box drawing (│ reads as l),
 *   mathematical operators (∣), technical symbols (⏐), emoji and every other symbol are refused:
 *   no table of look-alikes could cover them all.
 * - Scripts: every letter from one script, or Han with Hiragana and Katakana (Japanese), with
 *   Hangul (Korean) or with Bopomofo: UTS #39's "highly restrictive" level. A Latin name holding
 *   one Cyrillic г, Greek ο or Armenian Լ is refused whether or not the table knows the letter.
 */

/** Punctuation a name may hold, besides letters, marks, digits and the space. */
export const NAME_PUNCTUATION = "-_.,&'()/+:#";

/**
 * Typography that keyboards and autocorrect put in for the punctuation above, which the name key
 * reads as it (hyphen, non-breaking hyphen, en and em dashes as '-', curly quotes as '), and the
 * Katakana middle dot Japanese names separate words with.
 */
const TYPOGRAPHIC = '\u2010\u2011\u2013\u2014\u2018\u2019\u30fb';

const ALLOWED = new RegExp(`^[\\p{L}\\p{M}\\p{Nd} ${TYPOGRAPHIC}${NAME_PUNCTUATION.replace(/[-\\^\]]/g, '\\$&')}]$`, 'u');

/** A character as `U+XXXX`: never the character itself, which may be invisible or look like another. */
export const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a name is refused: a stable code and a message naming what was found by code point. */
export interface NameRuleBroken {
  code: 'APPLICATION_NAME_CHARACTER_REFUSED' | 'APPLICATION_NAME_MIXED_SCRIPTS';
  message: string;
}

/** The first rule `name` breaks, or null when it may be given to an application. */
export function nameRuleBroken(name: string): NameRuleBroken | null {
  const text = name.normalize('NFKC');
  for (const ch of text)
    if (!ALLOWED.test(ch))
      return {
        code: 'APPLICATION_NAME_CHARACTER_REFUSED',
        message:
          `the name holds ${codePoint(ch)}, which an application name may not: give letters, digits, spaces ` +
          `and ${[...NAME_PUNCTUATION].join(' ')} only (typographic dashes and apostrophes too; a symbol or box-drawing line can pass for a letter on the prompt users see)`,
      };
  const mix = scriptMix(text);
  if (mix)
    return {
      code: 'APPLICATION_NAME_MIXED_SCRIPTS',
      message:
        `the name mixes scripts: ${codePoint(mix.character)} is ${mix.its.map(scriptName).join('/')}, the letters before it ` +
        `${mix.before.map(scriptName).join('/')}; write the name in one script (a letter of another script can look like a Latin one)`,
    };
  return null;
}

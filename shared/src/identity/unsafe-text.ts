/**
 * Text that people read: usernames, hostnames, application, integration, key and group names,
 * device names and owners, OS versions, probe and EDR details, vendor client IDs. It is shown in
 * the console, on the sign-in prompt and in the tray's confirmation, so it may not carry what
 * changes how the text around it reads or hides part of it. Refused:
 * - Cc controls (newlines, escapes, U+0085) and Cf format characters: bidirectional marks,
 *   overrides and isolates, zero-width spaces, invisible operators (U+2061), the soft hyphen,
 *   U+FEFF, interlinear annotations (U+FFF9–U+FFFB), tag characters (U+E0001–U+E007F)...
 * - Zl and Zp, the line and paragraph separators; Cs, lone surrogates; Co, private use
 *   (whatever a font draws there, nobody can read it the same way);
 * - every Default_Ignorable_Code_Point, the characters Unicode says a renderer may draw as
 *   nothing: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), U+034F COMBINING GRAPHEME
 *   JOINER (`LAPTOP-12` and `LAPTOP-12` + U+034F read the same), U+17B4/U+17B5, the Mongolian
 *   selectors U+180B–U+180F, unassigned ones (U+FFF0–U+FFF8, U+E0000–U+E0FFF)...; and U+2800
 *   BRAILLE PATTERN BLANK, a symbol drawn as a blank (forty of them made a blank link).
 * Writing, not tricks, and passes in display text, where it joins what it sits between: U+200C
 * ZERO WIDTH NON-JOINER (Persian, Indic scripts), U+200D ZERO WIDTH JOINER (emoji sequences,
 * Indic conjuncts), the variation selectors U+FE00–U+FE0F (emoji presentation) and
 * U+E0100–U+E01EF (the kanji variants of Japanese names). Each must follow a character it
 * modifies: at the start, after a space, one joiner after another or a selector after a joiner
 * or selector is refused (a name of joiners alone would read as blank). Nor after a letter of the
 * Latin, Greek or Cyrillic scripts (combining marks on it included) or an ASCII character other
 * than a digit, '#' or '*' (the keycap emoji 1️⃣ #️⃣ *️⃣): nothing there joins or has variants, so
 * `alice` + U+200D, U+200C, U+FE0F or U+E0100 would be a second `alice` (an attacker made five
 * users that all read "alice"). After a digit, '#' or '*' only a keycap's U+FE0F U+20E3 passes
 * (`jdoe2` + a joiner was a second `jdoe2`), and after Han, kana or Hangul no joiner does. Machine text (`unsafeMachineCharacter`) refuses them anywhere.
 * Spaces pass, wide ones (U+3000, U+2000–U+200A) included: a Japanese name is typed with
 * U+3000. Runs of them are collapsed where they are shown (the console, devtrustctl's tables),
 * as a browser collapses runs of ordinary spaces, so they are no new way to look alike.
 * Refused at the edge, never silently stripped: a stripped name would name something else.
 */
const JOINER = '\\u200c\\u200d';
const SELECTOR = '\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}';
/** What a joiner or selector never modifies: Latin, Greek, Cyrillic letters; ASCII but 0-9 # *. */
const NOTHING_TO_JOIN = '[\\p{Script=Latin}\\p{Script=Greek}\\p{Script=Cyrillic}\\x21\\x22\\x24-\\x29\\x2b-\\x2f\\x3a-\\x7e]\\p{M}*';
/** A keycap's base: a digit, '#' or '*' takes U+FE0F only as the start of a keycap (U+FE0F U+20E3). */
const KEYCAP_BASE = '[0-9#*]';
/** Han, kana and Hangul join nothing (a selector after Han is a kanji variant, and passes). */
const NO_JOINER_AFTER = '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}]\\p{M}*';
const UNSAFE_SOURCE =
  '[\\p{Cc}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Co}\\u2800]' +
  `|(?![${JOINER}${SELECTOR}])[\\p{Cf}\\p{Default_Ignorable_Code_Point}]` +
  `|(?<!\\S)[${JOINER}${SELECTOR}]|(?<=[${JOINER}${SELECTOR}])[${SELECTOR}]|(?<=[${JOINER}])[${JOINER}]` +
  `|(?<=${NOTHING_TO_JOIN})[${JOINER}${SELECTOR}]` +
  `|(?<=${KEYCAP_BASE})(?!\\ufe0f\\u20e3)[${JOINER}${SELECTOR}]` +
  `|(?<=${NO_JOINER_AFTER})[${JOINER}]`;
// The classes list joiners and selectors as single characters on purpose (they are what is checked),
// which no-misleading-character-class takes for a joined sequence written by mistake.
// eslint-disable-next-line no-misleading-character-class
const UNSAFE = new RegExp(UNSAFE_SOURCE, 'u');

/**
 * Machine text: hostnames and the identifiers agents and vendors report (serial numbers,
 * GUIDs, MAC addresses). Display text without joiners or selectors either: hostnames are DNS
 * labels in practice, identifiers are ASCII, and there an invisible joiner only makes a second
 * name that reads like the first (`LAPTOP-12` + U+200D).
 */
// eslint-disable-next-line no-misleading-character-class -- as UNSAFE
const UNSAFE_MACHINE = new RegExp(`${UNSAFE_SOURCE}|[${JOINER}${SELECTOR}]`, 'u');

// eslint-disable-next-line no-misleading-character-class -- as UNSAFE
const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, 'gu');

const named = (match: RegExpExecArray | null): string | null =>
  match ? `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : null;

/** The first character display text refuses, as `U+XXXX`, or null. */
export function unsafeCharacter(text: string): string | null {
  return named(UNSAFE.exec(text));
}

/** The first character machine text (hostnames, identifiers) refuses, as `U+XXXX`, or null. */
export function unsafeMachineCharacter(text: string): string | null {
  return named(UNSAFE_MACHINE.exec(text));
}

/**
 * `text` with each refused character replaced by a space: for messages a program writes
 * itself (the agent's probe errors quote command output), never for names people chose.
 */
export function withUnsafeAsSpaces(text: string): string {
  // Again until nothing changes: a joiner after a character replaced here follows a space now,
  // which display text refuses (`\u0000` + U+E0100 would leave a stray selector).
  let out = text;
  for (let previous = ''; out !== previous;) {
    previous = out;
    out = out.replace(UNSAFE_ALL, ' ');
  }
  return out;
}

/** A combining mark at the start or after a space: it would sit on what precedes the text (a quote). */
const LEADING_MARK = /(?<!\S)\p{M}/gu;

/**
 * `text` with each character display text refuses written as a visible `<U+XXXX>` (and a
 * combining mark with nothing of the text to sit on as well): for text from outside that a
 * message quotes, such as a CSV file's column names, where an invisible U+3164 or a joiner
 * should show as what it is rather than read as nothing.
 */
export function withUnsafeEscaped(text: string): string {
  const escape = (c: string) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;
  // Again until nothing changes, as withUnsafeAsSpaces: a joiner after an escaped character
  // follows '>' now, which display text refuses.
  let out = text;
  for (let previous = ''; out !== previous;) {
    previous = out;
    out = out.replace(UNSAFE_ALL, escape).replace(LEADING_MARK, escape);
  }
  return out;
}

export function isDisplaySafe(text: string): boolean {
  return unsafeCharacter(text) === null;
}

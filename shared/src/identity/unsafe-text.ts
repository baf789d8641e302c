/**
 * Text that people read: usernames, hostnames, application, integration, key and group names,
 * device names and owners, OS versions, probe and EDR details. It is shown in the console, on
 * the sign-in prompt and in the tray's confirmation, so it may not carry what changes how the
 * text around it reads or hides part of it. Refused by Unicode general category:
 * - Cc controls (newlines, escapes, U+0085) and Cf format characters: bidirectional marks,
 *   overrides and isolates, zero-width spaces, invisible operators (U+2061), the soft hyphen,
 *   U+FEFF, interlinear annotations (U+FFF9–U+FFFB), tag characters (U+E0001–U+E007F)...
 * - Zl and Zp, the line and paragraph separators; Cs, lone surrogates; Co, private use
 *   (whatever a font draws there, nobody can read it the same way);
 * - the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, letters that render as nothing.
 * Two format characters are writing, not tricks, and pass: U+200C ZERO WIDTH NON-JOINER
 * (Persian, Indic scripts) and U+200D ZERO WIDTH JOINER (emoji sequences, Indic conjuncts).
 * Ordinary spaces pass. Refused at the edge, never silently stripped: a stripped name would
 * name something else.
 */
const UNSAFE = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Co}\u115f\u1160\u3164\uffa0]|(?![\u200c\u200d])\p{Cf}/u;

export function unsafeCharacter(text: string): string | null {
  const match = UNSAFE.exec(text);
  if (!match) return null;
  return `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `text` with each refused character replaced by a space: for messages a program writes
 * itself (the agent's probe errors quote command output), never for names people chose.
 */
export function withUnsafeAsSpaces(text: string): string {
  return text.replace(new RegExp(UNSAFE.source, 'gu'), ' ');
}

export function isDisplaySafe(text: string): boolean {
  return unsafeCharacter(text) === null;
}

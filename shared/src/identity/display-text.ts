import { z } from 'zod';
import { unsafeCharacter, unsafeMachineCharacter } from './unsafe-text.js';

// Display text is text that passes unsafe-text.ts's check; these are its zod schemas.

// Worded as before invisible characters joined the list: clients and tests match on it.
const REFUSED = 'must not contain control or bidirectional characters';

/**
 * A zod string for a display name: no control, bidi or invisible characters, then trimmed,
 * then 1..max characters. The check comes first, so a leading or trailing newline, U+2028 or
 * U+FEFF is refused rather than trimmed away (only spaces are left for the trim to remove).
 */
export function displayText(max: number) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const found = unsafeCharacter(value);
      if (found) ctx.addIssue({ code: 'custom', message: `${REFUSED} (found ${found})` });
    })
    .trim()
    .min(1)
    .max(max);
}

/** A string of at most `max` characters that `check` finds nothing in; never trimmed. */
function untrimmed(max: number, check: (text: string) => string | null) {
  return z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const found = check(value);
      if (found) ctx.addIssue({ code: 'custom', message: `${REFUSED} (found ${found})` });
    });
}

/**
 * The same check for text inside a signed agent message: no trimming, because the
 * signature covers the text as sent and a parsed value that differs would not verify.
 */
export const displaySafeString = (max: number) => untrimmed(max, unsafeCharacter);

/**
 * Machine text in a signed agent message (a hostname, an identifier): display-safe, and no
 * joiners or variation selectors either (unsafe-text.ts). Not trimmed, as above.
 */
export const machineSafeString = (max: number) => untrimmed(max, unsafeMachineCharacter);

import { z } from 'zod';
import { unsafeCharacter } from './unsafe-text.js';

// Display text is text that passes unsafe-text.ts's check; these are its zod schemas.

/**
 * A zod string for a display name: no control or bidi characters, then trimmed, then 1..max
 * characters. The check comes first, so a leading or trailing newline, U+2028 or U+FEFF is
 * refused rather than trimmed away (only spaces are left for the trim to remove).
 */
export function displayText(max: number) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const found = unsafeCharacter(value);
      if (found) ctx.addIssue({ code: 'custom', message: `must not contain control or bidirectional characters (found ${found})` });
    })
    .trim()
    .min(1)
    .max(max);
}

/**
 * The same check for text inside a signed agent message: no trimming, because the
 * signature covers the text as sent and a parsed value that differs would not verify.
 */
export function displaySafeString(max: number) {
  return z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const found = unsafeCharacter(value);
      if (found) ctx.addIssue({ code: 'custom', message: `must not contain control or bidirectional characters (found ${found})` });
    });
}

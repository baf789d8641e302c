import { z } from 'zod';

/**
 * Text that people read: usernames, hostnames, application, integration, key and group names.
 * It is shown in the console, on the sign-in prompt and in the tray's confirmation, so it may
 * not carry what changes how text around it reads: control characters (newlines, escapes),
 * bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), and
 * line/paragraph separators. Refused at the edge, never silently stripped: a stripped name
 * would name something else.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export function unsafeCharacter(text: string): string | null {
  const match = UNSAFE.exec(text);
  if (!match) return null;
  return `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function isDisplaySafe(text: string): boolean {
  return unsafeCharacter(text) === null;
}

/** A zod string for a display name: trimmed, 1..max characters, no control or bidi characters. */
export function displayText(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((value, ctx) => {
      const found = unsafeCharacter(value);
      if (found) ctx.addIssue({ code: 'custom', message: `must not contain control or bidirectional characters (found ${found})` });
    });
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

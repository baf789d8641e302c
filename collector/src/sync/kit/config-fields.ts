import { z } from 'zod';
import { displayText, unsafeCharacter } from '@devtrust/shared/identity';
import { hasUserInfo } from '@devtrust/shared/protocol/url-secrets';
import type { ConfigField } from '../source.js';

/** Config fields (schemas and their form entries) that several vendors share. */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A vendor URL, for every kind (MDM and EDR alike): https, or plain http on loopback only
 * (tests, local proxies); no user name or password in it (credentials have their own,
 * sealed fields and must never sit in a public one); no query or fragment.
 */
export const vendorUrl = z
  .string()
  // Shown to admins (the integration's form and listing), and the URL parser would quietly drop
  // a tab or newline inside it: display text, checked before the trim as displayText does.
  .superRefine((value, ctx) => {
    const found = unsafeCharacter(value);
    if (found)
      ctx.addIssue({ code: 'custom', message: `must not contain control or bidirectional characters (found ${found})`, fatal: true });
  })
  .trim()
  .max(500)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
      return;
    }
    const problem =
      url.protocol !== 'https:' && url.protocol !== 'http:'
        ? 'must be an http(s) URL'
        : hasUserInfo(url)
          ? 'must not carry a user name or password (user:password@host); credentials go in their own fields'
          : url.search !== '' || url.hash !== ''
            ? 'must not have a query or fragment'
            : url.protocol === 'http:' && !LOOPBACK.has(url.hostname)
              ? 'must use https (plain http only on loopback)'
              : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A secret (a client secret, a password, a token): sealed, never shown, so any text. */
export const credential = z.string().trim().min(1).max(4096);

/**
 * The public half of a credential (a client ID, a user name): stored in the clear and shown to
 * every admin in the integration's form and listing, so display text (unsafe-text.ts). A client
 * ID carrying a terminal escape or a bidi override read reversed in the console's form.
 */
export const publicCredential = (max = 4096) => displayText(max);

/** An optional page size an admin may lower when the vendor times out on large pages. */
export function pageSizeField(max: number) {
  return z.number().int().min(1).max(max).optional();
}

/** The form entries most kinds share. */
export const baseUrlInput: ConfigField = { name: 'baseUrl', label: 'API base URL', type: 'url', placeholder: 'https://…' };
export const textInput = (name: string, label: string, extra: Partial<ConfigField> = {}): ConfigField => ({
  name,
  label,
  type: 'text',
  ...extra,
});
export const pageSizeInput = (defaultSize: number): ConfigField => ({
  name: 'pageSize',
  label: 'Page size',
  type: 'number',
  optional: true,
  default: defaultSize,
  advanced: true,
});

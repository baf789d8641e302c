/**
 * Removing credentials from text a vendor sent back. A vendor that echoes what it received
 * does so in whatever encoding the request or its own answer used: a JSON error body
 * escapes quotes and backslashes (and, from many encoders, every non-ASCII character as
 * \uXXXX), a form body or query is percent-encoded, HTTP Basic is base64 of "id:secret".
 * Each of those forms is removed, and text is scrubbed again after every decoding step,
 * because decoding turns an escaped form back into the raw secret.
 */

export const REDACTED = '[redacted]';

/** Shorter values would match ordinary words; no credential is this short. */
const MIN_LENGTH = 4;

function asciiJson(value: string, upper: boolean): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });
}

/**
 * The part of base64(prefix + secret) that depends only on the secret, for each of the
 * three byte alignments the secret can have inside a longer encoded value ("id:secret").
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out: string[] = [];
  for (const shift of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Groups of 3 input bytes map to 4 characters: skip the group holding prefix bytes and
    // the last, partial group whose characters depend on what follows the secret.
    const start = shift === 0 ? 0 : 4;
    const whole = Math.floor(padded.length / 3) * 4;
    const core = encoded.slice(start, whole);
    if (core.length >= 8) out.push(core);
    out.push(encoded.slice(start));
  }
  return out;
}

/** Every form of one secret worth removing, longest first. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (value: string) => {
    if (value.length >= MIN_LENGTH) forms.add(value);
  };
  if (secret.length < MIN_LENGTH) return [];
  const json = JSON.stringify(secret).slice(1, -1);
  const urlForms = [encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), encodeURI(secret)];
  for (const value of [secret, secret.trim(), json, json.replace(/\//g, '\\/'), asciiJson(secret, false), asciiJson(secret, true)]) {
    add(value);
  }
  // A JSON string inside a JSON string (an error message quoting a JSON request).
  add(JSON.stringify(json).slice(1, -1));
  for (const value of urlForms) {
    add(value);
    add(value.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  add(base64);
  add(base64.replace(/=+$/, ''));
  add(Buffer.from(secret, 'utf8').toString('base64url'));
  for (const core of base64Cores(secret)) add(core);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Removes every form of a set of secrets from text; cheap to reuse once built. */
export class Scrubber {
  private forms: string[] = [];
  private readonly known = new Set<string>();

  constructor(secrets: readonly (string | null | undefined)[] = []) {
    this.add(...secrets);
  }

  add(...secrets: readonly (string | null | undefined)[]): this {
    const fresh = secrets.filter((s): s is string => typeof s === 'string' && !this.known.has(s));
    if (fresh.length === 0) return this;
    const all = new Set(this.forms);
    for (const secret of fresh) {
      this.known.add(secret);
      for (const form of secretForms(secret)) all.add(form);
    }
    this.forms = [...all].sort((a, b) => b.length - a.length);
    return this;
  }

  /** The text without any form of any secret (no other change). */
  clean(text: string): string {
    let out = text;
    // Repeat until stable: removing one form can join the halves of another.
    for (let round = 0; round < 3; round++) {
      const before = out;
      for (const form of this.forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
      if (out === before) break;
    }
    return out;
  }
}

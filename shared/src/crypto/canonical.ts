/**
 * Canonical JSON: object keys sorted by UTF-16 code unit (as `<` compares strings), no
 * insignificant whitespace, no undefined members. Signatures are made over this encoding so
 * that the signer and the verifier hash the same bytes whatever order their JSON libraries
 * emit keys in.
 *
 * Built by appending to one string, with no intermediate arrays of entries: every report's
 * MAC or signature is checked over this text, and the array-of-pairs version cost twice as
 * much per report (docs/performance.md, "Reports per second").
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i] ?? null);
        return `${out}]`;
      }
      const keys = sortedKeys(value);
      let out = '';
      for (const key of keys) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        out += (out.length === 0 ? '{' : ',') + quotedKey(key) + ':' + canonicalJson(member);
      }
      return out.length === 0 ? '{}' : `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

/**
 * The object's keys in UTF-16 code unit order, as the default sort gives them. The few keys of
 * a protocol object are sorted in place by insertion: `Array.prototype.sort` allocated a work
 * array per object, the largest share of the garbage a report made in the collector
 * (docs/performance.md, "Reports per second", fifth round). Keys are unique, so any correct
 * sort gives the same order.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * `JSON.stringify(key)`, kept for the keys protocol objects repeat in every message (a report
 * has about forty). Bounded: a peer sending made-up keys (a record's) only empties it.
 */
const QUOTED = new Map<string, string>();
const QUOTED_MAX = 512;
function quotedKey(key: string): string {
  let quoted = QUOTED.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (key.length <= 64) {
      if (QUOTED.size >= QUOTED_MAX) QUOTED.clear();
      QUOTED.set(key, quoted);
    }
  }
  return quoted;
}

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
      // The default sort compares UTF-16 code units, as `<` does.
      const keys = Object.keys(value).sort();
      let out = '{';
      for (const key of keys) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

/**
 * Text a database stores as it was checked. PostgreSQL refuses U+0000 in text ("invalid
 * byte sequence for encoding UTF8: 0x00") and a lone UTF-16 surrogate has no UTF-8 form
 * (a driver would store U+FFFD: another value than the one checked). No identifier, name
 * or credential needs either, so they are bad input at every edge: a 4xx, never a 500.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this refuses
const UNSTORABLE = /[\u0000\p{Cs}]/u;

const codePoint = (character: string): string => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** "U+0000" or "U+D800" for the first such character of `text`; null when there is none. */
export function unstorableCharacter(text: string): string | null {
  const match = UNSTORABLE.exec(text);
  return match ? codePoint(match[0]) : null;
}

/**
 * The first string (member name or value) of parsed JSON holding such a character, with
 * where it is ("report.identity.serialNumber"); null when the whole value is clean.
 */
export function firstUnstorableText(value: unknown, path: readonly (string | number)[] = []): { path: string; character: string } | null {
  if (typeof value === 'string') {
    const character = unstorableCharacter(value);
    return character ? { path: path.join('.'), character } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnstorableText(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, member] of Object.entries(value)) {
      const inKey = unstorableCharacter(key);
      if (inKey) return { path: [...path, key].join('.'), character: inKey };
      const found = firstUnstorableText(member, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

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
 * where it is ("report.identity.serialNumber"); null when the whole value is clean. Walks
 * with its own stack, depth first in document order: a body nested thousands deep must be
 * refused as bad input, not overflow the call stack.
 */
export function firstUnstorableText(value: unknown, path: readonly (string | number)[] = []): { path: string; character: string } | null {
  const pending: { value: unknown; path: readonly (string | number)[] }[] = [{ value, path }];
  while (pending.length > 0) {
    const { value: current, path: at } = pending.pop()!;
    if (typeof current === 'string') {
      const character = unstorableCharacter(current);
      if (character) return { path: at.join('.'), character };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push({ value: current[i], path: [...at, i] });
    } else if (typeof current === 'object' && current !== null) {
      const members = Object.entries(current);
      for (const [key] of members) {
        const inKey = unstorableCharacter(key);
        if (inKey) return { path: [...at, key].join('.'), character: inKey };
      }
      for (let i = members.length - 1; i >= 0; i--) {
        const [key, member] = members[i]!;
        pending.push({ value: member, path: [...at, key] });
      }
    }
  }
  return null;
}

/** How deeply arrays and objects nest in parsed JSON (0 for a scalar), counted without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    for (const member of Array.isArray(current) ? current : Object.values(current)) pending.push({ value: member, depth: inner });
  }
  return deepest;
}

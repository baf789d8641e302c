import { createHash } from 'node:crypto';

/**
 * A name-based (RFC 4122 version 5 style, SHA-1) UUID: the same inputs give the same
 * UUID, so regenerating payloads or rebuilding the MSI does not make MDM tools or
 * Windows Installer see a new, different profile or component.
 */
export function stableUuid(...parts: string[]): string {
  const hash = createHash('sha1').update(parts.join('\u0000')).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

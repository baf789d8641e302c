import type { VendorPosture } from '../domain/inventory.js';

/** The leading dotted version of vendor text ("14.4.1 (23E224)" → "14.4.1"); null when there is none. */
export function dottedVersion(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  // At least major.minor: a bare number ("22631", "11") is a build or a marketing name.
  const match = /^\s*(\d{1,6}(?:\.\d{1,9}){1,4})(?![\d.])/.exec(text);
  return match ? (match[1] as string) : null;
}

/**
 * What the store keeps of a vendor's posture: booleans as given, an OS version only when it
 * is a dotted version a minimum can be compared with. Null when the vendor says nothing.
 */
export function storedVendorPosture(posture: VendorPosture | null | undefined): VendorPosture | null {
  if (!posture) return null;
  const out: VendorPosture = {
    diskEncryption: typeof posture.diskEncryption === 'boolean' ? posture.diskEncryption : null,
    firewall: typeof posture.firewall === 'boolean' ? posture.firewall : null,
    osVersion: dottedVersion(posture.osVersion),
  };
  return Object.values(out).every((v) => v === null) ? null : out;
}

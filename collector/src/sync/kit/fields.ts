import { VendorError } from './vendor-error.js';

/**
 * Reading loosely typed vendor JSON, for every vendor's pure mapping: a field is used only
 * when it has the expected shape. Readers never truncate: an over-long identifier is
 * dropped where identifiers are normalised (sync/normalize.ts), because a truncated one
 * could equal another device's; display fields are bounded there too.
 */

/** The vendor's string or finite number as text, trimmed; null for anything else or blank. */
export function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** An ISO date (or epoch ms) from a vendor field, as ms since the epoch. */
export function timestamp(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : at;
}

/** A list the vendor must have sent; anything else is a broken answer, not an empty inventory. */
export function requireArray<T>(value: unknown, vendor: string, what: string): T[] {
  if (!Array.isArray(value)) throw new VendorError('VENDOR_BAD_RESPONSE', `${vendor} answered without ${what}`);
  return value as T[];
}

/**
 * One element of a vendor's device list: a JSON object, or the answer is broken (a `null`
 * or a string among the devices) and the sync fails with that, not with a TypeError.
 */
export function vendorRecord(value: unknown, vendor: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VendorError('VENDOR_BAD_RESPONSE', `${vendor} listed a device that is not a JSON object`);
  }
}

/** `table[key]` for the table's own keys only: a vendor value "__proto__" or "constructor" is no platform. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string | null): T | null {
  return key !== null && Object.hasOwn(table, key) ? (table[key] as T) : null;
}

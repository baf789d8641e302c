/** Reading loosely typed vendor JSON: a field is used only when it has the expected shape. */

/** Trims and bounds a vendor string field; anything else is null. */
export function text(value: unknown, max = 256): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const out = String(value).trim();
  return out === '' ? null : out.slice(0, max);
}

/** An ISO date (or epoch ms) from a vendor field, as ms since the epoch. */
export function timestamp(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : at;
}

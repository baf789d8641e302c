/**
 * An instant as an admin gives it (a query field, a body field, a devtrustctl flag), read the
 * same way wherever it is given: milliseconds since the epoch; an ISO date alone, midnight UTC;
 * or an ISO date and time with its zone (`Z` or `+hh:mm`). A date and time without a zone is
 * refused rather than read in whatever zone the collector or devtrustctl happens to run in:
 * the same text would select other endpoints on another machine.
 */
export type ReadInstant = { ms: number } | { error: 'no-zone' | 'invalid' };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

export function readInstant(value: string): ReadInstant {
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value);
  else if (DATE.test(value)) ms = Date.parse(`${value}T00:00:00Z`);
  else if (DATE_TIME.test(value)) {
    if (!ZONE.test(value.slice(10))) return { error: 'no-zone' };
    ms = Date.parse(value);
  } else return { error: 'invalid' };
  return Number.isSafeInteger(ms) && ms >= 0 ? { ms } : { error: 'invalid' };
}

/** An instant as the window headers print it: UTC, to the second unless it has milliseconds. */
export const isoInstant = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * An instant as an admin gives it (a query field, a body field, a devtrustctl flag), read the
 * same way wherever it is given: milliseconds since the epoch; an ISO date alone, midnight UTC;
 * or an ISO date and time with its zone (`Z` or `+hh:mm`). A date and time without a zone is
 * refused rather than read in whatever zone the collector or devtrustctl happens to run in:
 * the same text would select other endpoints on another machine.
 */
export type ReadInstant = { ms: number } | { error: 'no-zone' | 'invalid' };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/** A calendar day that exists: Date.parse rolls 2026-02-30 over to March 2 instead of refusing it. */
const realDay = (day: string): boolean => {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
};

export function readInstant(value: string): ReadInstant {
  let ms: number;
  const dateTime = DATE_TIME.exec(value);
  if (/^\d+$/.test(value)) ms = Number(value);
  else if (DATE.test(value)) ms = realDay(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  else if (dateTime) {
    if (!ZONE.test(value.slice(10))) return { error: 'no-zone' };
    ms = realDay(dateTime[1] as string) ? Date.parse(value.replace(' ', 'T')) : NaN;
  } else return { error: 'invalid' };
  return Number.isSafeInteger(ms) && ms >= 0 ? { ms } : { error: 'invalid' };
}

/** An instant as the window headers print it: UTC, to the second unless it has milliseconds. */
export const isoInstant = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

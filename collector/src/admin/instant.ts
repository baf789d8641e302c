import { readInstant } from '../domain/instant.js';
import { badRequest } from '../errors.js';

/**
 * An instant given as milliseconds since the epoch, an ISO date (midnight UTC) or an ISO date and
 * time with its zone (a query or body field; domain/instant.ts); 400 naming `field` otherwise,
 * a date and time without a zone included: the collector's own zone is no answer an admin can see.
 */
export function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const read = readInstant(value);
  if ('ms' in read) return read.ms;
  throw badRequest(
    'INVALID_REQUEST',
    read.error === 'no-zone'
      ? `${field}: a date and time needs its time zone: add Z (UTC) or +hh:mm, e.g. ${value}Z`
      : `${field}: must be an ISO date (2026-12-01, midnight UTC), an ISO date and time with its zone (2026-12-01T09:00:00Z) or milliseconds since the epoch`,
    field,
  );
}

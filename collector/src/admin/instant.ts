import { badRequest } from '../errors.js';

/** An instant given as an ISO date or as milliseconds since the epoch (a query or body field); 400 naming `field` otherwise. */
export function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw badRequest('INVALID_REQUEST', `${field}: must be an ISO date or milliseconds since the epoch`, field);
  return ms;
}

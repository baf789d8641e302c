import { badRequest } from '../errors.js';
import type { KeysetPosition } from '../domain/paging.js';

/**
 * Page cursors as the admin API hands them out: opaque to clients (base64url of a small JSON
 * record), naming the listing and order they belong to, so a cursor replayed against another
 * listing or order, truncated or forged into another shape is refused with 400
 * INVALID_CURSOR rather than read as a position.
 */
interface CursorRecord {
  /** The listing and its order, e.g. "endpoints:lastSeen". */
  l: string;
  a: number;
  i: string | number;
}

export function encodeCursor(listing: string, position: KeysetPosition): string {
  const record: CursorRecord = { l: listing, a: position.at, i: position.id };
  return Buffer.from(JSON.stringify(record)).toString('base64url');
}

const invalid = (why: string) => badRequest('INVALID_CURSOR', `cursor: ${why}; start again without a cursor`, 'cursor');

function decode(cursor: string, listing: string): CursorRecord {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid('not a cursor this API issued');
  let record: unknown;
  try {
    record = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor this API issued');
  }
  if (typeof record !== 'object' || record === null || Object.keys(record).sort().join() !== 'a,i,l')
    throw invalid('not a cursor this API issued');
  const { l, a } = record as Record<string, unknown>;
  if (l !== listing) throw invalid(`issued for another listing or order, not ${listing}`);
  if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < 0) throw invalid('not a cursor this API issued');
  return record as CursorRecord;
}

/** A cursor over rows with string ids (endpoints). */
export function decodeStringCursor(cursor: string, listing: string): KeysetPosition<string> {
  const record = decode(cursor, listing);
  // Ids are `ep_` and a UUID: anything else (a NUL PostgreSQL would refuse, say) was not issued here.
  if (typeof record.i !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(record.i)) throw invalid('not a cursor this API issued');
  return { at: record.a, id: record.i };
}

/** A cursor over rows with numeric ids (the auth log). */
export function decodeNumberCursor(cursor: string, listing: string): KeysetPosition<number> {
  const record = decode(cursor, listing);
  if (typeof record.i !== 'number' || !Number.isSafeInteger(record.i) || record.i < 1) throw invalid('not a cursor this API issued');
  return { at: record.a, id: record.i };
}

import type { BindingRelease } from '../domain/endpoint.js';

/**
 * The most ids (and identifiers) an admin-log entry lists of what one release or forget did: a
 * release or forget behind thousands of clones frees or leaves pending thousands, and an entry holding them
 * all would make every admin-log page that shows it as large. The counts say how many there were.
 */
export const MAX_LOGGED_IDS = 100;

/** The first MAX_LOGGED_IDS of a list, and how many it held. */
function capped<T>(items: readonly T[]): { shown: T[]; count: number } {
  return { shown: items.slice(0, MAX_LOGGED_IDS), count: items.length };
}

/** What forgetting an endpoint did (EndpointsRepo.forgetAndTell): it frees no waiting endpoint, it leaves them pending. */
export type Forgetting = Omit<BindingRelease, 'freed'>;

/** What a release did to identifiers and waiters, as an admin-log entry keeps it (bounded). */
export interface LoggedRelease {
  identifiers: { kind: string; value: string }[];
  identifierCount: number;
  freed: string[];
  freedCount: number;
  stillPending: string[];
  stillPendingCount: number;
}

/** The identifiers and the endpoints left pending, bounded (a forget's record, and part of a release's). */
function heldAndPending(done: Forgetting): Omit<LoggedRelease, 'freed' | 'freedCount'> {
  const identifiers = capped(done.identifiers);
  const stillPending = capped(done.stillPending);
  return {
    identifiers: identifiers.shown,
    identifierCount: identifiers.count,
    stillPending: stillPending.shown,
    stillPendingCount: stillPending.count,
  };
}

/**
 * The `release` field of a release entry's `after`: what it released and whom it freed;
 * `bulk` tells a release of re-enrolled devices (POST /admin/v1/reenrollments/release) from one by hand.
 */
export function releaseRecord(done: BindingRelease, bulk: boolean): { release: LoggedRelease & { bulk: boolean } } {
  const freed = capped(done.freed);
  return { release: { ...heldAndPending(done), freed: freed.shown, freedCount: freed.count, bulk } };
}

/**
 * The `forget` field of a forget entry's `after` (otherwise null: the endpoint is gone): the
 * identifiers it held, now free, and the endpoints that waited on it and stay pending for an
 * admin to approve or deny (forgetting judges none of them again: EndpointsRepo.forget says why).
 */
export const forgetRecord = (done: Forgetting): { forget: Omit<LoggedRelease, 'freed' | 'freedCount'> } => ({
  forget: heldAndPending(done),
});

import type { Store } from '@devtrust/collector/store/store';
import { identityOf, reportOf } from './devices.js';

/**
 * A re-enrolled fleet for the bulk release's tools: `pairs` keys enrolled in bulk (the rows
 * enroll() writes), `enrolledAt` onwards 1 ms apart (a fleet re-enrolls over minutes, not in one
 * millisecond), then each key's first report through recordReports. Enrolled once as the old
 * keys, that binds device i's identifiers; enrolled again as the new keys, each waits on its
 * old one. Returns the ids in device order.
 */
export async function enrollFleet(store: Store, prefix: string, pairs: number, enrolledAt: number): Promise<string[]> {
  const ids = Array.from({ length: pairs }, (_, i) => `ep_${prefix}_${String(i).padStart(6, '0')}`);
  for (let from = 0; from < pairs; from += 500)
    await store.knex('endpoints').insert(
      ids.slice(from, from + 500).map((id, k) => ({
        id,
        public_key: `pk_${id}`,
        enrolled_at: enrolledAt + from + k,
        last_seen_at: enrolledAt + from + k,
        last_seq: 0,
        blocked: false,
      })),
    );
  for (let from = 0; from < pairs; from += 200)
    await store.recordReports(
      ids
        .slice(from, from + 200)
        .map((id, k) => ({ endpointId: id, seq: 1, report: reportOf(from + k, identityOf(from + k)), at: enrolledAt + from + k })),
    );
  return ids;
}

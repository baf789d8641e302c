import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Report } from '@devtrust/shared/protocol';
import type { Store } from '@devtrust/collector/store/store';
import { tick } from './reenrollment-fixtures.js';

/** What a fleet member reports: any identifiers, on Windows unless said. */
export type FleetIdentity = {
  serialNumber?: string;
  hardwareUuid?: string;
  machineGuid?: string;
  macAddresses?: string[];
  platform?: string;
};

export const reportOfIdentity = (identity: FleetIdentity): Report =>
  ({ identity: { platform: 'windows', hostname: 'pc', ...identity }, posture: {}, agentVersion: 'test' }) as unknown as Report;

/**
 * Enrolls a new device key per call that reports `identity` once, then waits for the clock to
 * move (so the next one enrolls strictly later and the enrollment order is the calls' order).
 */
export function enrollReporting(store: () => Store): (identity: FleetIdentity) => Promise<string> {
  let seq = 1;
  return async (identity) => {
    const { id } = await store().endpoints.enroll(randomBytes(32).toString('base64'));
    await store().recordReports([{ endpointId: id, seq: seq++, report: reportOfIdentity(identity), at: Date.now() }]);
    await tick();
    return id;
  };
}

/** A promise to open later: `opened` waits until `open()`. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * Resolves once a release polls for the releases' lock on this PostgreSQL database: a backend
 * seen trying it twice (two pg_try_advisory_xact_lock statements, told apart by their start)
 * while holding no advisory lock; or once `settled()` (a release that went ahead). A release
 * never queues for that lock (EndpointsRepo), so pg_stat_activity shows no lock wait for it.
 * Throws after 10 s.
 */
export async function untilReleasePolls(db: Knex, settled: () => boolean = () => false): Promise<void> {
  const seen = new Map<number, string>();
  for (const started = Date.now(); Date.now() - started < 10_000;) {
    if (settled()) return;
    const { rows } = (await db.raw(
      "select a.pid, a.query_start::text as started from pg_stat_activity a where a.datname = current_database() and a.query like 'select pg_try_advisory_xact_lock(hashtext%' " +
        "and not exists (select 1 from pg_locks l where l.pid = a.pid and l.locktype = 'advisory' and l.granted)",
    )) as { rows: { pid: number; started: string }[] };
    for (const row of rows) {
      const before = seen.get(row.pid);
      if (before !== undefined && before !== row.started) return;
      seen.set(row.pid, row.started);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no release polls for the lock');
}

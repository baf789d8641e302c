import type { Report } from '@devtrust/shared/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Store } from '@devtrust/collector/store/store';
import type { AdminActor } from '@devtrust/collector/domain/admin-log';
import { SKIP_REASONS, type SkipReason } from '@devtrust/collector/domain/reenrollment';

/** The API key a test's bulk releases are made under. */
export const actorNamed = (name: string): AdminActor => ({
  kind: 'api-key',
  keyId: `key_${name}`,
  keyName: name,
  address: '127.0.0.1',
  userAgent: null,
});

/**
 * Device n's report as a Mac: serial `${serialPrefix}n` and a hardware UUID ending in
 * `${uuidStem}` and n (each test file its own, so two files' devices never meet).
 */
export const macReport = (serialPrefix: string, uuidStem: string, n: number): Report =>
  ({
    identity: {
      platform: 'macos',
      hostname: `mac-${n}`,
      serialNumber: `${serialPrefix}${n}`,
      hardwareUuid: `4C4C4544-0042-3510-8052-${uuidStem}${String(n).padStart(4, '0')}`,
    },
    posture: {},
    agentVersion: 'test',
  }) as unknown as Report;

/** The identity part of `macReport`, to vary one field of it (another platform, a UUID left out). */
export type MacIdentity = Record<string, unknown>;
export const macIdentity = (serialPrefix: string, uuidStem: string, n: number): MacIdentity =>
  (macReport(serialPrefix, uuidStem, n) as unknown as { identity: MacIdentity }).identity;

/** A report carrying this identity and nothing else. */
export const reportWith = (identity: MacIdentity): Report => ({ identity, posture: {}, agentVersion: 'test' }) as unknown as Report;

/** Waits until the clock has moved past now, so what follows is strictly later. */
export async function tick(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** That a test's fleet exercised what it was built for: a member skipped for every reason but `except`. */
export function assertEveryReasonSeen(seen: ReadonlySet<string>, except: readonly SkipReason[]): void {
  for (const reason of SKIP_REASONS.filter((r) => !except.includes(r)))
    assert.ok(seen.has(reason), `no fleet member skipped for ${reason}: ${[...seen].join(', ')}`);
}

/**
 * Enrolls `count` endpoints, each reporting identity(i) once (reports stored 200 to a batch); their
 * ids in order. One transaction for the whole fleet: the same statements, but one commit (and one
 * fsync) instead of one per enrolment, which made building a fleet of thousands most of a test's time.
 */
export async function enrollMany(store: Store, count: number, identity: (i: number) => MacIdentity): Promise<string[]> {
  return store.transaction(async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await tx.endpoints.enroll(randomBytes(32).toString('base64'))).id);
    for (let i = 0; i < count; i += 200)
      await tx.recordReports(
        ids.slice(i, i + 200).map((endpointId, k) => ({ endpointId, seq: 1, report: reportWith(identity(i + k)), at: Date.now() })),
      );
    return ids;
  });
}

/** Enrolls a new device key that reports reportOf(n) once: a fresh endpoint per call. */
export function enrollerOf(store: Store, reportOf: (n: number) => Report): (n: number) => Promise<string> {
  let seq = 1;
  return async (n) => {
    const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
    await store.recordReports([{ endpointId: id, seq: seq++, report: reportOf(n), at: Date.now() }]);
    return id;
  };
}

/** Resolves once `count` statements of this PostgreSQL database wait for a lock; throws after 10 s. */
export async function untilWaitingForLocks(db: Knex, count = 1): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 10_000;) {
    const rows = (await db.raw(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    )) as { rows: { n: number }[] };
    if ((rows.rows[0]?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} statements wait for a lock`);
}

/** What `read` reads: the rows every statement answered and how many statements it sent, with its result. */
export async function counted<T>(db: Knex, read: () => Promise<T>): Promise<{ result: T; rows: number; statements: number }> {
  let rows = 0;
  let statements = 0;
  const answered = (response: unknown) => {
    if (Array.isArray(response)) rows += response.length;
  };
  const sent = () => statements++;
  db.on('query-response', answered);
  db.on('query', sent);
  try {
    return { result: await read(), rows, statements };
  } finally {
    db.off('query-response', answered);
    db.off('query', sent);
  }
}

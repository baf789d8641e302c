import type { Knex } from 'knex';
import { isSqlite } from './dialect.js';

/**
 * Read-modify-write in one transaction. On PostgreSQL the rows it reads through
 * `lockForUpdate` stay locked until it commits, so a concurrent change waits and then
 * reads the committed result instead of overwriting it. On SQLite the pool has one
 * connection (store/dialect.ts): the transaction holds it, so nothing else of this
 * collector runs in between, and SQLite serialises writers across processes.
 */
export function atomically<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(work);
}

/** `SELECT … FOR UPDATE` on PostgreSQL; SQLite has no row locks (and needs none, see above). */
export function lockForUpdate<Q extends Knex.QueryBuilder>(trx: Knex.Transaction, query: Q): Q {
  return isSqlite(trx) ? query : (query.forUpdate() as Q);
}

/**
 * Makes writers of `table` wait for this transaction, on PostgreSQL (SQLite's transaction
 * already excludes every other writer). For changes that must also see rows a concurrent
 * writer inserts, which row locks cannot cover; plain reads are not blocked.
 */
export async function lockTableForWriters(trx: Knex.Transaction, table: string): Promise<void> {
  if (!isSqlite(trx)) await trx.raw('lock table ?? in share row exclusive mode', [table]);
}

/**
 * Makes every other transaction that takes the lock of this `name` wait for this one, on
 * PostgreSQL (a transaction-scoped advisory lock, held until commit or rollback; taken twice in
 * one transaction, it is held once more, without waiting). For work whose reads must see what
 * the last one of its kind committed, where no row both would lock exists beforehand; `shared`
 * holders wait only for an exclusive one. SQLite's transaction already excludes every other writer.
 */
export async function lockNamed(trx: Knex.Transaction, name: string, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<void> {
  // Shared: waits only for a transaction holding it exclusively, and makes only those wait.
  if (!isSqlite(trx)) await trx.raw(`select pg_advisory_xact_lock${mode === 'shared' ? '_shared' : ''}(hashtext(?))`, [name]);
}

/**
 * The lock `name` taken exclusively, on PostgreSQL, waiting in its queue only as a last resort:
 * tried, and tried again after a short sleep, for `politeMs`, then asked for as lockNamed does
 * (the statements' lock timeout, 5 s, then fails as busy, 55P03). PostgreSQL grants a lock in
 * queue order: an exclusive request waiting behind one shared holder makes every later shared
 * request wait behind it too, so reports with new identifiers stalled behind a release that had
 * not even started. While it polls it holds no place in the queue and shared lockers pass it.
 * Polling alone starved: with report writers taking the lock shared without a gap (a re-imaged
 * fleet's first reports, four writers a collector), a release never found it free and always
 * failed as busy (a reviewer's test). Queued after `politeMs`, it waits only for the shared
 * holders of that moment, and the reports after it wait for the release.
 */
export async function lockNamedPolitely(trx: Knex.Transaction, name: string, politeMs = POLITE_MS): Promise<void> {
  if (isSqlite(trx)) return;
  for (const started = Date.now(); Date.now() - started < politeMs;) {
    const { rows } = (await trx.raw('select pg_try_advisory_xact_lock(hashtext(?)) as taken', [name])) as { rows: { taken: boolean }[] };
    if (rows[0]?.taken === true) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await lockNamed(trx, name);
}

/** How long lockNamedPolitely polls before it queues: reports pass it meanwhile; past it, it is their turn to wait. */
const POLITE_MS = 2_000;
/** Between two tries of lockNamedPolitely: short next to a report's transaction, long next to a round trip. */
const POLL_MS = 10;

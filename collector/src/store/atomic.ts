import type { Knex } from 'knex';
import { BUSY_TIMEOUT_MS, isSqlite } from './dialect.js';

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
 * The lock `name` taken exclusively, on PostgreSQL, without ever waiting in its queue: tried,
 * and tried again after a short sleep, until `budgetMs` (the statements' lock timeout) has
 * passed, then NamedLockBusy, as a lock timeout would fail. PostgreSQL grants a lock in queue
 * order: an exclusive request waiting behind one shared holder made every later shared request
 * wait behind it too, so reports stalled behind a release that had not even started. A poller
 * holds no place in the queue; shared lockers pass it. (It may wait longer while shared lockers
 * keep coming without a gap, and fails as busy after the budget, to be sent again.)
 */
export async function lockNamedWithoutQueueing(trx: Knex.Transaction, name: string, budgetMs = BUSY_TIMEOUT_MS): Promise<void> {
  if (isSqlite(trx)) return;
  for (const started = Date.now(); ;) {
    const { rows } = (await trx.raw('select pg_try_advisory_xact_lock(hashtext(?)) as taken', [name])) as { rows: { taken: boolean }[] };
    if (rows[0]?.taken === true) return;
    if (Date.now() - started >= budgetMs) throw new NamedLockBusy(name);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Between two tries of lockNamedWithoutQueueing: short next to a report's transaction, long next to a round trip. */
const POLL_MS = 10;

/** The named lock stayed taken past the budget: SQLSTATE 55P03 (lock_not_available), so it counts as busy (db-errors.ts) like a lock timeout. */
export class NamedLockBusy extends Error {
  readonly code = '55P03';
  constructor(readonly lockName: string) {
    super(`lock not available: ${lockName} stayed taken past the lock timeout`);
    this.name = 'NamedLockBusy';
  }
}

import type { Knex } from 'knex';
import type { StatementDone } from './change-feed.js';
import { isSqlite, statementsOf } from './dialect.js';
import { runOnDriver, type DriverStatement } from './driver-statements.js';
import { finalizePrepared, preparedOn, runPrepared, type SqliteConnection } from './sqlite-prepared.js';

/** A compiled hot read (store/compiled.ts): its text with the driver's own placeholders, and its prepared name. */
export type CompiledRead = DriverStatement;

/**
 * Where the hot reads of a decision run when they are not inside a transaction: straight on
 * the driver, past knex's runner, pool wrapper and query executioner (about half of the CPU
 * a compiled statement cost through knex).
 * - SQLite: a read-only connection of its own, each statement prepared once. WAL lets it read
 *   beside the writer, so a read no longer waits behind the group commit's fsync, and
 *   SQLite parses and plans the statement once instead of on every call. It sees what is
 *   committed: every write of ours resolves only after its commit, so nothing a caller
 *   waited for is missing. Inside a transaction the read goes through knex, on the
 *   transaction's connection, and sees that transaction's own writes.
 * - PostgreSQL: a connection from knex's pool, the statement prepared once per connection by
 *   name, as knex would send it.
 */
export interface DirectReads {
  select<Row>(read: CompiledRead, bindings: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

interface SqliteHandle extends SqliteConnection {
  run(sql: string, cb: (error: Error | null) => void): void;
  close(cb: (error: Error | null) => void): void;
}
interface SqliteDriver {
  Database: new (file: string, flags: number, cb: (error: Error | null) => void) => SqliteHandle;
  OPEN_READONLY: number;
}

/**
 * Tells whoever watches knex's statements how a read went, as knex would: the statement
 * listeners (dialect.ts `statementsOf`) and the store's fault monitor (`query-response`, `query-error`).
 */
interface Watchers {
  done(sql: string, bindings: unknown[]): void;
  failed(error: unknown, sql: string, bindings: unknown[]): void;
}

/** How long a read waits for a lock (WAL recovery, a checkpoint restarting the log), as the writer does. */
const READ_BUSY_TIMEOUT_MS = 5_000;

class SqliteReads implements DirectReads {
  private handle: Promise<SqliteHandle> | null = null;

  constructor(
    private readonly driver: SqliteDriver,
    private readonly file: string,
    private readonly watchers: Watchers,
  ) {}

  async select<Row>(read: CompiledRead, bindings: readonly unknown[]): Promise<Row[]> {
    const params = [...bindings];
    try {
      const { rows } = await runPrepared<Row>(await preparedOn(await this.connection(), read.native), params, true);
      this.watchers.done(read.native, params);
      return rows;
    } catch (error) {
      this.watchers.failed(error, read.native, params);
      // Whatever failed (the file gone, a read-only or I/O error, a busy timeout), the next read
      // starts on a new connection: a handle that saw an error is not trusted again.
      await this.close();
      throw error;
    }
  }

  private connection(): Promise<SqliteHandle> {
    this.handle ??= new Promise<SqliteHandle>((resolve, reject) => {
      // Read-only: it never creates the file, and cannot write whatever a bug asks of it.
      const db = new this.driver.Database(this.file, this.driver.OPEN_READONLY, (error) => {
        if (error) return reject(error);
        db.run(`PRAGMA busy_timeout = ${READ_BUSY_TIMEOUT_MS}`, (pragmaError) =>
          pragmaError ? db.close(() => reject(pragmaError)) : resolve(db),
        );
      });
    });
    const opening = this.handle;
    opening.catch(() => {
      if (this.handle === opening) this.handle = null;
    });
    return opening;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    const db = await handle?.catch(() => null);
    if (!db) return;
    await finalizePrepared(db);
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

/** PostgreSQL: a connection from knex's pool, the statement prepared by name on it (driver-statements.ts). */
class PostgresReads implements DirectReads {
  constructor(private readonly db: Knex) {}

  async select<Row>(read: CompiledRead, bindings: readonly unknown[]): Promise<Row[]> {
    return (await runOnDriver<Row>(this.db, read, bindings)).rows;
  }

  async close(): Promise<void> {}
}

interface ClientConfig {
  devtrustDirectReads?: DirectReads | 'closed';
}

/**
 * The direct reads of this knex (made at the first use, one per database), or null inside a
 * transaction, where reads must see the transaction's own writes.
 */
export function directReadsOf(db: Knex): DirectReads | null {
  if ((db as { isTransaction?: boolean }).isTransaction) return null;
  const client = db.client as { config: ClientConfig; driver: SqliteDriver; connectionSettings: { filename?: string } };
  const known = client.config.devtrustDirectReads;
  if (known) return known === 'closed' ? null : known;
  const filename = client.connectionSettings?.filename;
  const events = db.client as unknown as { emit(event: string, ...args: unknown[]): boolean };
  const watchers: Watchers = {
    done: (sql, bindings) => {
      statementsOf(db.client).emit('done', { sql, bindings, txId: undefined } satisfies StatementDone);
      events.emit('query-response', [], { method: 'raw', sql, bindings }, undefined);
    },
    failed: (error, sql, bindings) => void events.emit('query-error', error, { method: 'raw', sql, bindings }),
  };
  let reads: DirectReads;
  if (isSqlite(db)) {
    if (typeof filename !== 'string' || filename === ':memory:' || filename === '') return null;
    reads = new SqliteReads(client.driver, filename, watchers);
  } else reads = new PostgresReads(db);

  client.config.devtrustDirectReads = reads;
  return reads;
}

/** Closes the SQLite read connection, if one was opened (Store.close, before knex is destroyed). */
export async function closeDirectReads(db: Knex): Promise<void> {
  const config = (db.client as { config: ClientConfig }).config;
  const reads = config.devtrustDirectReads;
  // Closed for good: a read that comes later goes through knex (and fails as knex is destroyed).
  config.devtrustDirectReads = 'closed';
  if (reads && reads !== 'closed') await reads.close();
}

import type { Knex } from 'knex';
import type { StatementDone } from './change-feed.js';
import { discardsConnection } from './db-errors.js';
import { isSqlite, statementsOf } from './dialect.js';

/** A compiled hot read (store/compiled.ts): its text with the driver's own placeholders, and its prepared name. */
export interface CompiledRead {
  /** `?` on SQLite, `$1…` on PostgreSQL. */
  native: string;
  name: string;
}

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

interface SqliteStatement {
  all(params: unknown[], cb: (error: Error | null, rows: unknown[]) => void): void;
  finalize(cb?: () => void): void;
}
interface SqliteHandle {
  prepare(sql: string, cb: (error: Error | null) => void): SqliteStatement;
  run(sql: string, cb: (error: Error | null) => void): void;
  close(cb: (error: Error | null) => void): void;
}
interface SqliteDriver {
  Database: new (file: string, flags: number, cb: (error: Error | null) => void) => SqliteHandle;
  OPEN_READONLY: number;
}

/** Tells the store's statement listeners (dialect.ts `statementsOf`) a read succeeded. */
type Done = (sql: string, bindings: unknown[]) => void;

/** How long a read waits for a lock (WAL recovery, a checkpoint restarting the log), as the writer does. */
const READ_BUSY_TIMEOUT_MS = 5_000;
/** Prepared statements kept at most (a few dozen shapes exist); past it, all are finalised and prepared again. */
const MAX_STATEMENTS = 256;

class SqliteReads implements DirectReads {
  private handle: Promise<SqliteHandle> | null = null;
  private statements = new Map<string, Promise<SqliteStatement>>();

  constructor(
    private readonly driver: SqliteDriver,
    private readonly file: string,
    private readonly done: Done,
  ) {}

  async select<Row>(read: CompiledRead, bindings: readonly unknown[]): Promise<Row[]> {
    try {
      const statement = await this.prepared(read.native);
      const params = [...bindings];
      const rows = await new Promise<Row[]>((resolve, reject) =>
        statement.all(params, (error, found) => (error ? reject(error) : resolve(found as Row[]))),
      );
      this.done(read.native, params);
      return rows;
    } catch (error) {
      // Whatever failed (the file gone, a read-only or I/O error, a busy timeout), the next read
      // starts on a new connection: a handle that saw an error is not trusted again.
      await this.reset();
      throw error;
    }
  }

  private prepared(sql: string): Promise<SqliteStatement> {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) void this.finalizeAll();
      statement = this.connection().then(
        (db) => new Promise<SqliteStatement>((resolve, reject) => {
          const prepared = db.prepare(sql, (error) => (error ? reject(error) : resolve(prepared)));
        }),
      );
      this.statements.set(sql, statement);
      statement.catch(() => this.statements.delete(sql));
    }
    return statement;
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

  private async finalizeAll(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements = new Map();
    await Promise.all(
      statements.map((pending) => pending.then((s) => new Promise<void>((resolve) => s.finalize(() => resolve()))).catch(() => undefined)),
    );
  }

  private async reset(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await this.finalizeAll();
    const db = await handle?.catch(() => null);
    await new Promise<void>((resolve) => (db ? db.close(() => resolve()) : resolve()));
  }

  close(): Promise<void> {
    return this.reset();
  }
}

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  __knex__disposed?: unknown;
}
interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

class PostgresReads implements DirectReads {
  constructor(
    private readonly client: PoolClient,
    private readonly done: Done,
  ) {}

  async select<Row>(read: CompiledRead, bindings: readonly unknown[]): Promise<Row[]> {
    const connection = await this.client.acquireConnection();
    try {
      const values = [...bindings];
      const result = await connection.query({ name: read.name, text: read.native, values });
      this.done(read.native, values);
      return result.rows as Row[];
    } catch (error) {
      // As the store's knex client does (dialect.ts): a connection that failed this way is replaced.
      if (discardsConnection(error)) connection.__knex__disposed = error;
      throw error;
    } finally {
      await this.client.releaseConnection(connection);
    }
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
  // Seen as every other statement that succeeded is (dialect.ts): counted, never taken for a write.
  const statements = statementsOf(db.client);
  const done: Done = (sql, bindings) => statements.emit('done', { sql, bindings, txId: undefined } satisfies StatementDone);
  let reads: DirectReads;
  if (isSqlite(db)) {
    if (typeof filename !== 'string' || filename === ':memory:' || filename === '') return null;
    reads = new SqliteReads(client.driver, filename, done);
  } else reads = new PostgresReads(db.client as unknown as PoolClient, done);

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

import { EventEmitter } from 'node:events';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import type { StatementDone } from './change-feed.js';
import { discardsConnection } from './db-errors.js';
import { finalizePrepared, type SqliteConnection } from './sqlite-prepared.js';

/**
 * The only place that knows which database is underneath. Everything else uses knex's
 * portable query builder, so the same migrations and repositories run on SQLite (one
 * collector) and PostgreSQL (several collectors sharing one database).
 */
export type Dialect = 'sqlite' | 'postgres';

// int8 columns hold millisecond timestamps and counters, all well inside 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/** Pool settings, named so the operations guide can quote them. */
export const POOL = {
  /** A request waits this long for a connection, then fails (and the agent is told to retry). */
  acquireTimeoutMs: 10_000,
  /** A PostgreSQL server that does not answer a connection attempt in this time is down. */
  connectTimeoutMs: 5_000,
  /** PostgreSQL connections are replaced after this (plus up to a minute of jitter), whatever happens. */
  maxConnectionAgeMs: 10 * 60_000,
} as const;

type RawConnection = Record<string, unknown>;

/**
 * Every statement that succeeded ('done', a StatementDone), including BEGIN and COMMIT,
 * which knex's own events leave out: the change feed (store/change-feed.ts) sees writes
 * and commits through it.
 */
export function statementsOf(client: unknown): EventEmitter {
  const config = (client as { config: { devtrustStatements?: EventEmitter } }).config;
  return (config.devtrustStatements ??= new EventEmitter());
}

interface KnexClient {
  destroyRawConnection(connection: RawConnection): Promise<void>;
  _query(connection: RawConnection, obj: { sql?: string }): Promise<unknown>;
  acquireRawConnection(): Promise<RawConnection>;
  driver: { Database: new (file: string, flags: number, cb: (err: Error | null) => void) => RawConnection; OPEN_READWRITE: number };
  connectionSettings: string | Record<string, unknown>;
}
type KnexClientClass = new (config: Knex.Config) => KnexClient;

const require = createRequire(import.meta.url);
const SqliteClient = require('knex/lib/dialects/sqlite3/index.js') as KnexClientClass;
const PostgresClient = require('knex/lib/dialects/postgres/index.js') as KnexClientClass;

/**
 * knex's clients with two changes for when the database fails:
 * - a connection that saw a read-only, connection-level or I/O error is marked disposed,
 *   so the pool replaces it instead of handing out a connection that keeps failing (a
 *   PostgreSQL session keeps `default_transaction_read_only` after the database's setting
 *   is reset; a SQLite handle may keep a half-open transaction after a failed write);
 * - a ROLLBACK that fails (SQLite already rolled back after SQLITE_FULL, the server went
 *   away) no longer replaces the error that caused it: the connection is discarded, which
 *   rolls back for certain, and the transaction rejects with the original error.
 */
function resilient(Base: KnexClientClass): KnexClientClass {
  return class ResilientClient extends Base {
    override async _query(connection: RawConnection, obj: { sql?: string; bindings?: unknown[]; response?: unknown }): Promise<unknown> {
      const sql = obj.sql ?? '';
      // The outermost transaction on this connection: knex names a savepoint's statements by
      // the savepoint's id and the final COMMIT by none (a nested transaction clears the id it
      // set), so a write in a savepoint would never be matched to the commit that makes it real.
      if (/^\s*BEGIN\b/i.test(sql)) connection.__devtrustTxId = (connection.__knexTxId as string | undefined) ?? 'transaction';
      const txId = connection.__devtrustTxId as string | undefined;
      const ends = /^\s*(COMMIT|ROLLBACK)\b/i.test(sql) && !/\bSAVEPOINT\b/i.test(sql);
      try {
        const result = await super._query(connection, obj);
        // Transactions run on a copy of the client that shares only its config: the emitter lives there.
        statementsOf(this).emit('done', { sql, bindings: obj.bindings ?? [], txId } satisfies StatementDone);
        return result;
      } catch (error) {
        if (/^\s*ROLLBACK\b/i.test(obj.sql ?? '')) {
          connection.__knex__disposed = error;
          obj.response = [];
          return obj;
        }
        if (discardsConnection(error)) connection.__knex__disposed = error;
        throw error;
      } finally {
        if (ends) delete connection.__devtrustTxId;
      }
    }
  };
}

/** PostgreSQL whose connection attempts give up on a silent server and notice a dead peer. */
class ResilientPostgres extends resilient(PostgresClient) {
  constructor(config: Knex.Config) {
    super(config);
    const settings = this.connectionSettings;
    const own = { connectionTimeoutMillis: POOL.connectTimeoutMs, keepAlive: true };
    // In place: knex keeps the password there as a hidden (non-enumerable) property.
    if (typeof settings === 'string') this.connectionSettings = { connectionString: settings, ...own };
    else Object.assign(settings, own);
  }
}

/**
 * SQLite that never creates the database file after start-up: createKnex creates it once.
 * When the filesystem is unmounted under a running collector, a reconnect must fail (and
 * be retried) rather than start an empty database in the bare mount point.
 */
class ResilientSqlite extends resilient(SqliteClient) {
  /** Statements prepared on the connection (sqlite-prepared.ts) are finalised first: SQLite does not close a connection with some left. */
  override async destroyRawConnection(connection: RawConnection): Promise<void> {
    await finalizePrepared(connection as unknown as SqliteConnection);
    await super.destroyRawConnection(connection);
  }

  override acquireRawConnection(): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const { filename } = this.connectionSettings as { filename: string };
      const db = new this.driver.Database(filename, this.driver.OPEN_READWRITE, (error) => (error ? reject(error) : resolve(db)));
    });
  }
}

/** knex's own warnings (a discarded connection, …) go to our log at debug, never to the console. */
function knexLog(log: Logger | undefined): Knex.Config['log'] {
  const to = (message: unknown): void => log?.debug({ knex: String(message).slice(0, 500) }, 'knex');
  return { warn: to, error: to, deprecate: to, debug: to };
}

/** The SQLite database file in a data dir. */
export const sqliteFile = (dataDir: string): string => path.join(dataDir, 'devtrust.sqlite');

/** How long a statement waits for a lock held by someone else before it fails as busy. */
export const BUSY_TIMEOUT_MS = 5_000;

export function createKnex(options: { databaseUrl: string | null; dataDir: string; poolMax?: number; log?: Logger }): {
  knex: Knex;
  dialect: Dialect;
} {
  // Errors carry the statement with `?` placeholders, never the values (usernames, identifiers).
  const common = { compileSqlOnError: false, log: knexLog(options.log), acquireConnectionTimeout: POOL.acquireTimeoutMs };
  if (options.databaseUrl !== null) {
    return {
      dialect: 'postgres',
      knex: knexFactory({
        ...common,
        client: ResilientPostgres as unknown as typeof knexFactory.Client,
        // A lock held elsewhere (another node's long statement, an admin's open transaction)
        // is waited on 5 s, like SQLite's busy_timeout, then fails as "busy" (55P03, a 503 to
        // retry) instead of holding the request and its pooled connection without end.
        // (`lock_timeout` is node-postgres's client option, sent as the session setting.)
        connection: { connectionString: options.databaseUrl, lock_timeout: BUSY_TIMEOUT_MS } as Knex.PgConnectionConfig,
        pool: {
          min: 0,
          max: options.poolMax ?? 10,
          // A connection opened while the database was read-only (or before a failover) does
          // not stay forever, even if no error ever reaches it.
          maxConnectionLifetimeMillis: POOL.maxConnectionAgeMs,
          maxConnectionLifetimeJitterMillis: 60_000,
        },
      }),
    };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const filename = sqliteFile(options.dataDir);
  // The database holds key hashes and sealed secrets: owner-only, like the master key.
  // SQLite gives its -wal and -shm files the main file's mode.
  closeSync(openSync(filename, 'a', 0o600));
  chmodSync(filename, 0o600);
  return {
    dialect: 'sqlite',
    knex: knexFactory({
      ...common,
      client: ResilientSqlite as unknown as typeof knexFactory.Client,
      connection: { filename },
      useNullAsDefault: true,
      // One writer at a time is SQLite's model; a single pooled connection with WAL
      // gives readers no stalls and writers no SQLITE_BUSY between our own queries.
      pool: {
        min: 1,
        max: 1,
        afterCreate(
          conn: { run(sql: string, cb: (err: Error | null) => void): void; close(cb: () => void): void },
          done: (err: Error | null, conn: unknown) => void,
        ) {
          // synchronous = FULL: a commit is on disk before it returns, so an ack (sent only
          // after the commit) survives a power cut, an OS crash or a filesystem that fails.
          // Reports are group-committed, so the fsync is paid per batch, not per report.
          const pragmas = [
            'PRAGMA journal_mode = WAL',
            'PRAGMA foreign_keys = ON',
            `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
            'PRAGMA synchronous = FULL',
          ];
          const next = (i: number): void => {
            const sql = pragmas[i];
            if (sql === undefined) return done(null, conn);
            // knex drops a connection whose set-up failed without closing it: close it here, or
            // its files stay open (and a failed filesystem cannot be unmounted and repaired).
            conn.run(sql, (error) => (error ? conn.close(() => done(error, conn)) : next(i + 1)));
          };
          next(0);
        },
      },
    }),
  };
}

/** Is this knex (or transaction) on SQLite? */
export function isSqlite(db: Knex | Knex.Transaction): boolean {
  return (db.client as { dialect?: string }).dialect === 'sqlite3';
}

/** Inserts many rows in chunks that stay under each database's bound-parameter limit. */
export async function insertChunked(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {}).length || 1;
  // PostgreSQL allows 65535 parameters per statement. knex writes a multi-row SQLite
  // insert as a compound SELECT, which SQLite caps at 500 terms.
  const chunk = isSqlite(db) ? 500 : Math.max(1, Math.floor(60000 / columns));
  for (let i = 0; i < rows.length; i += chunk) await db(table).insert(rows.slice(i, i + chunk));
}

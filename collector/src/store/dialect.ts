import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

/**
 * The only place that knows which database is underneath. Everything else uses knex's
 * portable query builder, so the same migrations and repositories run on SQLite (one
 * collector) and PostgreSQL (several collectors sharing one database).
 */
export type Dialect = 'sqlite' | 'postgres';

// int8 columns hold millisecond timestamps and counters, all well inside 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function createKnex(options: { databaseUrl: string | null; dataDir: string; poolMax?: number }): {
  knex: Knex;
  dialect: Dialect;
} {
  if (options.databaseUrl !== null) {
    return {
      dialect: 'postgres',
      knex: knexFactory({
        client: 'pg',
        connection: options.databaseUrl,
        pool: { min: 0, max: options.poolMax ?? 10 },
      }),
    };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const filename = path.join(options.dataDir, 'devtrust.sqlite');
  // The database holds key hashes and sealed secrets: owner-only, like the master key.
  // SQLite gives its -wal and -shm files the main file's mode.
  closeSync(openSync(filename, 'a', 0o600));
  chmodSync(filename, 0o600);
  return {
    dialect: 'sqlite',
    knex: knexFactory({
      client: 'sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      // One writer at a time is SQLite's model; a single pooled connection with WAL
      // gives readers no stalls and writers no SQLITE_BUSY between our own queries.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { run(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
          conn.run('PRAGMA journal_mode = WAL', (walError) => {
            if (walError) return done(walError, conn);
            conn.run('PRAGMA foreign_keys = ON', (fkError) => {
              if (fkError) return done(fkError, conn);
              conn.run('PRAGMA busy_timeout = 5000', (busyError) => {
                if (busyError) return done(busyError, conn);
                conn.run('PRAGMA synchronous = NORMAL', (syncError) => done(syncError, conn));
              });
            });
          });
        },
      },
    }),
  };
}

/** Inserts many rows in chunks that stay under each database's bound-parameter limit. */
export async function insertChunked(db: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {}).length || 1;
  // PostgreSQL allows 65535 parameters per statement. knex writes a multi-row SQLite
  // insert as a compound SELECT, which SQLite caps at 500 terms.
  const sqlite = (db.client as { config?: { client?: string } }).config?.client === 'sqlite3';
  const chunk = sqlite ? 500 : Math.max(1, Math.floor(60000 / columns));
  for (let i = 0; i < rows.length; i += chunk) await db(table).insert(rows.slice(i, i + chunk));
}

import type { Knex } from 'knex';

/** The parts of the sqlite3 driver a snapshot uses (knex holds the module as `client.driver`). */
interface SqliteDriver {
  Database: new (file: string, flags: number, cb: (error: Error | null) => void) => SqliteHandle;
  OPEN_READONLY: number;
  OPEN_READWRITE: number;
}
interface SqliteHandle {
  run(sql: string, params: unknown[], cb: (error: Error | null) => void): void;
  all(sql: string, params: unknown[], cb: (error: Error | null, rows: Record<string, unknown>[]) => void): void;
  close(cb: (error: Error | null) => void): void;
}

function open(driver: SqliteDriver, file: string, flags: number): Promise<SqliteHandle> {
  return new Promise((resolve, reject) => {
    const db = new driver.Database(file, flags, (error) => (error ? reject(error) : resolve(db)));
  });
}
const run = (db: SqliteHandle, sql: string, params: unknown[] = []): Promise<void> =>
  new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
const all = (db: SqliteHandle, sql: string): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => db.all(sql, [], (error, rows) => (error ? reject(error) : resolve(rows))));
const close = (db: SqliteHandle): Promise<void> => new Promise((resolve) => db.close(() => resolve()));

/**
 * A consistent copy of a live SQLite database, written to `target` (which must not exist):
 * `VACUUM INTO` on a connection of its own, so the copy is one transaction's view of the
 * database — committed writes in the WAL included, half-done ones not — while the
 * collector's own connection goes on reading and writing (WAL lets one writer and readers
 * run side by side). A file copy of devtrust.sqlite would miss what is still in the
 * -wal file, or catch a page mid-checkpoint. The copy is then checked (`PRAGMA quick_check`).
 */
export async function snapshotSqlite(knex: Knex, databaseFile: string, target: string): Promise<void> {
  const driver = (knex.client as { driver: SqliteDriver }).driver;
  const source = await open(driver, databaseFile, driver.OPEN_READWRITE);
  try {
    // The writer may hold its lock for a group commit: wait for it as the collector's own connection does.
    await run(source, 'PRAGMA busy_timeout = 5000');
    await run(source, 'VACUUM INTO ?', [target]);
  } finally {
    await close(source);
  }
  const copy = await open(driver, target, driver.OPEN_READONLY);
  try {
    const rows = await all(copy, 'PRAGMA quick_check');
    const verdict = rows.map((row) => String(Object.values(row)[0])).join('; ');
    if (verdict !== 'ok') throw new Error(`the snapshot failed its integrity check: ${verdict.slice(0, 300)}`);
  } finally {
    await close(copy);
  }
}

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * One collector per SQLite database. A collector caches the policy, integrations and
 * applications in memory, and on SQLite nothing tells it that another process changed them
 * (PostgreSQL has LISTEN/NOTIFY across nodes); both would also run the sync scheduler against
 * one file. So a collector on SQLite holds this lock for its whole life, and a second one
 * refuses to start.
 *
 * The lock is SQLite's own file lock (a POSIX `fcntl` lock) on a database file that holds
 * nothing, opened in exclusive locking mode: the kernel drops it when the holding process ends,
 * however it ends, so a crash or a `kill -9` never leaves a lock behind, and no pid is ever
 * guessed at (a pid-file would have to decide whether a recorded pid still means our process:
 * pids are reused, and a container's hostname changes when it is recreated). The database file
 * itself cannot be locked this way: SQLite would then refuse the collector's own read connection
 * (store/direct-reads.ts) and every backup (store/snapshot.ts), which open it beside the writer.
 *
 * Who holds the lock is written beside it (HOLDER_FILE), only to name the holder when a second
 * start is refused; that file left behind at a start means the previous holder did not stop
 * cleanly, which is logged.
 *
 * Not for a data dir on a network share: whether `fcntl` locks reach across hosts depends on
 * the share (NFS with lockd, SMB); docs/operations-backup-upgrade.md says so.
 */
export const LOCK_FILE = 'collector.lock';
export const HOLDER_FILE = 'collector.lock.json';

/** Who held (or holds) the lock, as the holder recorded it. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** Thrown when another live collector holds the data dir's database. Code stable: DATA_DIR_IN_USE. */
export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  constructor(
    readonly dataDir: string,
    /** As the holder recorded it; null when it has not written it yet (it is starting this instant). */
    readonly holder: LockHolder | null,
    options: { cause?: unknown } = {},
  ) {
    const who = holder ? `another collector (pid ${holder.pid} on ${holder.hostname}, started ${holder.startedAt})` : 'another collector';
    super(
      `${who} is running on the SQLite database in ${dataDir}: a collector on SQLite must be the only one on its ` +
        'database (it caches policy and activation, and only PostgreSQL tells several collectors of changes). ' +
        'Stop that one first, or give this one another DEVTRUST_DATA_DIR; for several collectors use PostgreSQL (README, "Scaling out")',
      { cause: options.cause },
    );
    this.name = 'DataDirInUseError';
  }
}

interface LockHandle {
  exec(sql: string, cb: (error: (Error & { code?: string }) | null) => void): void;
  close(cb: (error: Error | null) => void): void;
}
interface SqliteDriver {
  Database: new (file: string, cb: (error: Error | null) => void) => LockHandle;
}
const sqlite = createRequire(import.meta.url)('sqlite3') as SqliteDriver;

/** The collector's hold on its data dir; released when the collector stops. */
export interface DataDirLock {
  release(): Promise<void>;
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid !== 'number' || typeof holder.hostname !== 'string' || typeof holder.startedAt !== 'string') return null;
    return { pid: holder.pid, hostname: holder.hostname, startedAt: holder.startedAt };
  } catch {
    return null;
  }
}

const closeHandle = (db: LockHandle): Promise<void> => new Promise((resolve) => db.close(() => resolve()));

/**
 * Takes the data dir's lock, or throws DataDirInUseError naming the collector that holds it.
 * Never waits: busy_timeout 0, a held lock is an answer, not something to queue behind.
 */
export async function lockDataDir(dataDir: string, log?: Logger): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(dataDir, LOCK_FILE);
  const holderFile = path.join(dataDir, HOLDER_FILE);
  const db = await new Promise<LockHandle>((resolve, reject) => {
    const handle = new sqlite.Database(lockFile, (error) => (error ? reject(error) : resolve(handle)));
  });
  // journal_mode MEMORY: the empty transaction needs no journal file beside the lock.
  // In exclusive locking mode the EXCLUSIVE lock BEGIN EXCLUSIVE takes is kept after COMMIT,
  // until the connection closes (or the process ends).
  const taken = await new Promise<(Error & { code?: string }) | null>((resolve) =>
    db.exec('PRAGMA busy_timeout = 0; PRAGMA journal_mode = MEMORY; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;', resolve),
  );
  if (taken) {
    await closeHandle(db);
    if (taken.code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir, readHolder(holderFile), { cause: taken });
    // Not removed here: two starts that each replaced a damaged file could end up locking two
    // different files. It holds nothing, so the person who sees this can remove it.
    throw new Error(
      `cannot take the collector's lock ${lockFile} (${taken.message}): the file holds nothing else; with no collector running on this data dir, remove it`,
      { cause: taken },
    );
  }
  const previous = readHolder(holderFile);
  if (previous)
    log?.warn(
      { previous },
      `the previous collector on this data dir (pid ${previous.pid} on ${previous.hostname}, started ${previous.startedAt}) did not stop cleanly (killed or crashed); its lock ended with it, and this collector holds it now`,
    );
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  // Renamed into place: a refused start never reads half a file.
  writeFileSync(`${holderFile}.tmp`, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  renameSync(`${holderFile}.tmp`, holderFile);
  let released: Promise<void> | null = null;
  return {
    release: () =>
      (released ??= (async () => {
        // The record first, while the lock still keeps others out: a start that finds it has a
        // predecessor that did not stop cleanly.
        rmSync(holderFile, { force: true });
        await closeHandle(db);
      })()),
  };
}

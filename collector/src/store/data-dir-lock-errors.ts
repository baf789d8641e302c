import path from 'node:path';
import { describeHolder, holderRunning, type LockHolder } from './data-dir-lock-record.js';

export const LOCK_FILE = 'collector.lock';

/** How an admin finds the process that has the lock file open (the record may be stale or absent). */
const whoHasIt = (lockFile: string): string => `\`fuser -v ${lockFile}\` (or \`lsof ${lockFile}\`) names the process`;

/**
 * Thrown when a process holds the lock on the data dir's lock file. Code stable: DATA_DIR_IN_USE.
 * It says a process holds the lock, which is what is known: the holder record beside it names a
 * collector only as the collector wrote it, and is repeated as the holder only while a process
 * with that pid runs on this host (anyone who can open the file can lock it).
 */
export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  /** Whether the recorded holder's pid runs: null when there is no record or it is another host's. */
  readonly holderRunning: boolean | null;
  constructor(
    readonly dataDir: string,
    /** As the holder recorded it; null when it has not written it yet (it is starting this instant). */
    readonly holder: LockHolder | null,
    options: { cause?: unknown } = {},
  ) {
    const lockFile = path.join(dataDir, LOCK_FILE);
    const running = holder ? holderRunning(holder) : null;
    const who =
      holder === null
        ? `no collector has recorded itself as its holder; ${whoHasIt(lockFile)}`
        : running === true
          ? `its record names collector ${describeHolder(holder)}, which is running`
          : running === null
            ? `its record names collector ${describeHolder(holder)}, another host, where this one cannot check it runs`
            : `its record names collector ${describeHolder(holder)}, which no longer runs, so the record is stale; ${whoHasIt(lockFile)}`;
    super(
      `a process holds the lock on ${lockFile} (${who}): a collector on SQLite must be the only one on its database in ` +
        `${dataDir} (it caches policy and activation, and only PostgreSQL tells several collectors of changes). ` +
        'Stop that process first, or give this collector another DEVTRUST_DATA_DIR; for several collectors use PostgreSQL (README, "Scaling out")',
      { cause: options.cause },
    );
    this.name = 'DataDirInUseError';
    this.holderRunning = running;
  }
}

/**
 * Thrown when the collector cannot create, read or write its lock (the first file it opens in
 * its data dir), naming the file, the user it runs as and what that user lacks, where SQLite's own
 * error ("SQLITE_CANTOPEN: unable to open database file") names neither. Code stable: DATA_DIR_NOT_WRITABLE.
 */
export class DataDirNotWritableError extends Error {
  readonly code = 'DATA_DIR_NOT_WRITABLE';
  constructor(
    readonly dataDir: string,
    readonly file: string,
    cause: NodeJS.ErrnoException,
  ) {
    const uid = process.getuid?.();
    const user = uid === undefined ? 'the user it runs as' : `uid ${uid}`;
    super(
      cause.code === 'EROFS'
        ? `cannot write ${file}: the data dir ${dataDir} is on a read-only file system, and the collector writes its database there; set DEVTRUST_DATA_DIR to a writable directory`
        : `cannot open ${file} for reading and writing (${cause.code ?? cause.message}): the collector runs as ${user}, which must be able to create, ` +
            `read and write files in its data dir ${dataDir}; give that user the directory (chown -R, then chmod 700) or set DEVTRUST_DATA_DIR to one it owns`,
      { cause },
    );
    this.name = 'DataDirNotWritableError';
  }
}

/** Errors from the file system that mean the data dir (or a file in it) is not the collector's to write. */
export const notWritable = (error: unknown): error is NodeJS.ErrnoException =>
  ['EACCES', 'EPERM', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '');

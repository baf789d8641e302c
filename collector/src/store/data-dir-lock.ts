import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { DataDirInUseError, DataDirNotWritableError, LOCK_FILE, notWritable } from './data-dir-lock-errors.js';
import {
  describeHolder,
  HOLDER_FILE,
  holderRunning,
  readHolder,
  removeHolder,
  writeHolder,
  type LockHolder,
} from './data-dir-lock-record.js';

export { DataDirInUseError, DataDirNotWritableError, HOLDER_FILE, LOCK_FILE, type LockHolder };

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
 * A lock on a file protects the data dir only while the path names that file: a lock file
 * removed (or replaced) while the collector runs leaves it locking a file nobody else will ever
 * open, and the next start creates a new one and runs beside it (a security review did this with
 * `rm`). So the collector checks every CHECK_EVERY_MS that the path still names the file it
 * locked (its device and inode), and when it does not, locks the file now at the path again; if
 * another process got there first, two collectors are on one database, and this one is told to
 * stop (server.ts), leaving the one that holds the lock. When nothing can be locked at the path
 * (its filesystem unmounted, the file removed and a directory put there), the old file is let go
 * when no other path reaches it either: its lock keeps nobody out, and its open descriptor would
 * keep an aborted filesystem from being mounted afresh after its fsck
 * (test/faults/sqlite-faults.test.ts). A data dir renamed under a running collector keeps its
 * lock (a collector started on the new path is refused). The path is tried again at each check.
 *
 * The file is created owner-only: anyone who can open it can lock it, and so keep the collector
 * from starting.
 *
 * Who holds the lock is recorded beside it (store/data-dir-lock-record.ts), to name the holder
 * when a second start is refused; that record left behind at a start means the previous holder
 * did not stop cleanly, which is logged.
 *
 * Not for a data dir on a network share: whether `fcntl` locks reach across hosts depends on
 * the share (NFS with lockd, SMB); docs/operations-backup-upgrade.md says so.
 */

/** How often the lock's path is checked still to name the locked file, by default. */
export const CHECK_EVERY_MS = 15_000;

interface LockHandle {
  exec(sql: string, cb: (error: (Error & { code?: string }) | null) => void): void;
  close(cb: (error: Error | null) => void): void;
}
interface SqliteDriver {
  Database: new (file: string, cb: (error: Error | null) => void) => LockHandle;
}
const sqlite = createRequire(import.meta.url)('sqlite3') as SqliteDriver;

/** What a check found: the path names the locked file; it did not and now does again; another process holds the file at the path; nothing could be locked there. */
export type LockState = 'held' | 'retaken' | 'taken' | 'unprotected' | 'released';

/** The collector's hold on its data dir; released when the collector stops. */
export interface DataDirLock {
  readonly file: string;
  /** Checks now that the path names the locked file, and takes the lock on the path again if not (the timer calls it). */
  check(): Promise<LockState>;
  release(): Promise<void>;
}

export interface DataDirLockOptions {
  log?: Logger;
  /** 0: no timer (tests call check()). */
  checkEveryMs?: number;
  /** Told once when another process holds the lock on the file now at the path: this collector must stop. */
  onTaken?: (error: DataDirInUseError) => void;
}

// Absent on Windows, where a file cannot be replaced by a link this way.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const fileId = (stats: Stats): string => `${stats.dev}:${stats.ino}`;

/**
 * The descriptors this process has open on each lock file it holds (or is taking), by device and
 * inode. POSIX ends every `fcntl` lock a process holds on a file as soon as it closes any one of
 * its descriptors to that file, so a descriptor opened to a file another lock of this process
 * holds (a second collector in one process, as tests run them) is not closed until that lock is
 * released. SQLite keeps such a table for its own descriptors; this one is for ours.
 */
const openHere = new Map<string, number[]>();

interface Taken {
  db: LockHandle;
  /** Our own descriptor to the locked file, kept open as long as the lock, for its identity. */
  fd: number;
  id: string;
  /** The data dir's device and inode when it was locked: the directory, wherever it is later renamed to. */
  dirId: string | null;
}

const closeHandle = (db: LockHandle): Promise<void> => new Promise((resolve) => db.close(() => resolve()));

function closeOpenHere(id: string): void {
  for (const fd of openHere.get(id) ?? []) closeSync(fd);
  openHere.delete(id);
}

async function drop(taken: Taken): Promise<void> {
  // SQLite's connection first: closing our descriptor while it holds the lock would end the lock.
  await closeHandle(taken.db);
  closeOpenHere(taken.id);
}

function openLockFile(dataDir: string, lockFile: string, log: Logger | undefined): number {
  let fd: number;
  try {
    // Created before SQLite opens it, so owner-only from the start (SQLite creates files 0644).
    fd = openSync(lockFile, constants.O_RDWR | constants.O_CREAT | NO_FOLLOW, 0o600);
  } catch (error) {
    if (notWritable(error)) throw new DataDirNotWritableError(dataDir, lockFile, error);
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new Error(
        `${lockFile} is a symbolic link, which the collector does not follow (locking the file it points to would not keep a second collector off this data dir); remove the link`,
        { cause: error },
      );
    throw error;
  }
  // One an older release created (0644): made owner-only.
  if ((fstatSync(fd).mode & 0o077) !== 0)
    try {
      fchmodSync(fd, 0o600);
    } catch (error) {
      log?.warn(
        { err: error, lockFile },
        `${lockFile} is readable by other users, and this collector cannot make it owner-only: anyone who can read it can lock it and keep collectors from starting`,
      );
    }
  return fd;
}

/** The advice for a lock file SQLite will not lock: remove it, but only once no process has it open. */
function damagedLock(lockFile: string, holderFile: string, error: Error): Error {
  const holder = readHolder(holderFile);
  const running =
    holder && holderRunning(holder) ? `; its record names collector ${describeHolder(holder)}, which is running: stop it first` : '';
  return new Error(
    `cannot take the collector's lock ${lockFile} (${error.message}): the file holds nothing else, and may be removed once no process ` +
      `has it open (\`fuser -v ${lockFile}\` or \`lsof ${lockFile}\` lists none)${running}; removed while a collector runs, it no longer keeps a second one out`,
    { cause: error },
  );
}

/**
 * Takes the lock on the file at the path, or throws DataDirInUseError naming the holder. Never
 * waits: busy_timeout 0, a held lock is an answer, not something to queue behind.
 */
async function take(dataDir: string, lockFile: string, holderFile: string, log: Logger | undefined): Promise<Taken> {
  // Twice more if the path is replaced while it is being taken; a third time is someone at work.
  for (let attempt = 1; ; attempt += 1) {
    const fd = openLockFile(dataDir, lockFile, log);
    const id = fileId(fstatSync(fd));
    const others = openHere.get(id);
    if (others) {
      others.push(fd); // closed when that lock is released, see openHere
      throw new DataDirInUseError(dataDir, readHolder(holderFile));
    }
    openHere.set(id, [fd]);
    let db: LockHandle;
    try {
      db = await new Promise<LockHandle>((resolve, reject) => {
        const handle = new sqlite.Database(lockFile, (error) => (error ? reject(error) : resolve(handle)));
      });
    } catch (error) {
      closeOpenHere(id);
      throw error;
    }
    // journal_mode MEMORY: the empty transaction needs no journal file beside the lock.
    // In exclusive locking mode the EXCLUSIVE lock BEGIN EXCLUSIVE takes is kept after COMMIT,
    // until the connection closes (or the process ends).
    const refused = await new Promise<(Error & { code?: string }) | null>((resolve) =>
      db.exec('PRAGMA busy_timeout = 0; PRAGMA journal_mode = MEMORY; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;', resolve),
    );
    if (refused) {
      await drop({ db, fd, id, dirId: null });
      if (refused.code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir, readHolder(holderFile), { cause: refused });
      // Not removed here: two starts that each replaced a damaged file could end up locking two different files.
      throw damagedLock(lockFile, holderFile, refused);
    }
    const taken: Taken = { db, fd, id, dirId: dirIdOf(dataDir) };
    let now: string | null = null;
    try {
      now = fileId(lstatSync(lockFile));
    } catch {
      // gone already: taken again below
    }
    if (now === id) return taken;
    await drop(taken);
    if (attempt === 3)
      throw new Error(`${lockFile} was replaced each time the collector locked it: some other process is at work in ${dataDir}`);
  }
}

function warnIfShared(dataDir: string, log: Logger | undefined): void {
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0)
    log?.warn(
      { dataDir, mode: mode.toString(8).padStart(4, '0') },
      `the data dir ${dataDir} is open to other users (mode ${mode.toString(8).padStart(4, '0')}): it holds the database and the master key, ` +
        'and a user who can write in it can replace files there; make it owner-only (chmod 700)',
    );
}

function warnIfPreviousLeft(holderFile: string, checkEveryMs: number, log: Logger | undefined): void {
  const previous = readHolder(holderFile);
  if (!previous) return;
  if (holderRunning(previous) === true)
    log?.error(
      { previous },
      `${holderFile} names collector ${describeHolder(previous)}, and a process with that pid is running on this host: if it is that ` +
        'collector, its lock file was removed while it ran and did not keep this one out; this collector holds the lock now' +
        (checkEveryMs > 0 ? `, and that one will find so within ${Math.ceil(checkEveryMs / 1000)} s and stop` : '') +
        '. If that pid is another program now, the previous collector ended without removing its record (killed or crashed)',
    );
  else
    log?.warn(
      { previous },
      `the previous collector on this data dir (${describeHolder(previous)}) did not stop cleanly (killed or crashed); its lock ended with it, and this collector holds it now`,
    );
}

/** The device and inode of the directory at `dataDir` now (a symlink followed), or null when none is there. */
function dirIdOf(dataDir: string): string | null {
  try {
    return fileId(statSync(dataDir));
  } catch {
    return null;
  }
}

/**
 * Where the file behind `fd` is now, if another path still reaches it: '' when that cannot be
 * told (no /proc: kept, as the safer choice), null when no path does (removed, or on a filesystem
 * unmounted since).
 */
function reachableAt(fd: number, id: string): string | null {
  if (fstatSync(fd).nlink === 0) return null;
  let now: string;
  try {
    now = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
  // Its entry here removed, yet linked: another hard link still reaches it.
  if (now.endsWith(' (deleted)')) return '';
  try {
    return fileId(lstatSync(now)) === id ? now : null;
  } catch {
    return null; // a lazily unmounted filesystem's file reads as a path there that is not it
  }
}

/** Takes the data dir's lock, or throws DataDirInUseError naming the process that holds it. */
export async function lockDataDir(dataDir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const { log, checkEveryMs = CHECK_EVERY_MS } = options;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  warnIfShared(dataDir, log);
  const lockFile = path.join(dataDir, LOCK_FILE);
  const holderFile = path.join(dataDir, HOLDER_FILE);
  // null once the file it locked left the path and nothing could be locked there (see recheck).
  let taken: Taken | null = await take(dataDir, lockFile, holderFile, log);
  warnIfPreviousLeft(holderFile, checkEveryMs, log);
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  try {
    writeHolder(holderFile, holder);
  } catch (error) {
    await drop(taken);
    throw notWritable(error) ? new DataDirNotWritableError(dataDir, `${holderFile}.tmp`, error) : error;
  }

  let state: LockState = 'held';
  let unprotectedBy: string | null = null;
  let lost = '';
  let checking: Promise<LockState> | null = null;
  let released: Promise<void> | null = null;

  async function recheck(): Promise<LockState> {
    if (released) return 'released';
    if (state === 'taken') return state;
    let now: string | null = null;
    try {
      now = fileId(lstatSync(lockFile));
    } catch {
      // removed: locked again below
    }
    if (taken && now === taken.id) return (state = 'held');
    if (taken) lost = now === null ? 'was removed' : 'was replaced by another file';
    const what = lost;
    // The data dir's path names another directory now (the data dir moved, a symlinked data dir
    // switched, a directory mounted over it) and the file locked is still reachable: the
    // database this collector writes went with the locked file (SQLite keeps its descriptors),
    // so the lock stays on it, and the path, now another data dir, is not locked; locking it and
    // letting go of this one let a collector start beside this one on the moved database. The
    // lock file alone removed or renamed inside the data dir: the path is locked again, as the
    // next collector on this data dir would open it.
    const movedTo = taken && dirIdOf(dataDir) !== taken.dirId ? reachableAt(taken.fd, taken.id) : null;
    if (movedTo !== null) {
      const where = movedTo === '' ? 'another path' : movedTo;
      if (unprotectedBy !== where)
        log?.error(
          { lockFile, movedTo: where },
          `${lockFile} ${what} while this collector ran, but the file it locked is still at ${where} (the data dir was moved, or its path now names another directory), ` +
            'with the database this collector writes: it keeps that lock and does not lock the path; restart it on the path its data is at',
        );
      unprotectedBy = where;
      return (state = 'unprotected');
    }
    try {
      const next = await take(dataDir, lockFile, holderFile, log);
      const old = taken;
      taken = next;
      if (old) await drop(old);
      unprotectedBy = null;
      try {
        writeHolder(holderFile, holder);
      } catch (error) {
        log?.warn({ err: error, holderFile }, `cannot record this collector in ${holderFile}: a refused start will not name it`);
      }
      log?.error(
        { lockFile },
        `${lockFile} ${what} while this collector ran, so for a while it kept no second collector off this data dir; no other process held the new file, and this collector has locked it`,
      );
      return (state = 'retaken');
    } catch (error) {
      if (error instanceof DataDirInUseError) {
        log?.fatal(
          { lockFile, holder: error.holder },
          `${lockFile} ${what} while this collector ran, and another process now holds the lock on the file there: two collectors ` +
            `may be running on this SQLite database, each with its own cache (${error.message}). This collector stops, so that the one holding the lock is the only one`,
        );
        state = 'taken';
        options.onTaken?.(error);
        return state;
      }
      // The locked file no other path reaches (movedTo above) keeps no collector out, and, kept,
      // its descriptor keeps alive the filesystem it is on: an aborted filesystem an operator
      // unmounted (umount -l) cannot be mounted afresh and fsck'd while any process holds a file
      // open on it, and the database would stay down with it.
      if (taken) {
        const old = taken;
        taken = null;
        await drop(old);
      }
      const message = (error as Error).message;
      if (unprotectedBy !== message)
        log?.error(
          { err: error, lockFile },
          `${lockFile} ${what} while this collector ran, and cannot be locked again (${message}): until it can, nothing keeps a second collector off this data dir; tried again at each check`,
        );
      unprotectedBy = message;
      return (state = 'unprotected');
    }
  }

  const check = (): Promise<LockState> =>
    (checking ??= recheck()
      .catch((error: unknown) => {
        log?.error({ err: error, lockFile }, 'checking the data dir lock failed');
        return state;
      })
      .finally(() => {
        checking = null;
      }));
  const timer = checkEveryMs > 0 ? setInterval(() => void check(), checkEveryMs).unref() : null;

  return {
    file: lockFile,
    check,
    release: () =>
      (released ??= (async () => {
        if (timer) clearInterval(timer);
        await checking;
        // The record first, while the lock still keeps others out: a start that finds it has a
        // predecessor that did not stop cleanly. Only our own: after the lock was lost another
        // collector's record stands there.
        removeHolder(holderFile, holder);
        if (taken) await drop(taken);
      })()),
  };
}

import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The record beside the data dir's lock (store/data-dir-lock.ts) naming the collector that holds
 * it: read to name the holder when a start is refused, and, left behind, to say that the previous
 * holder did not stop cleanly. It is a record only, never the lock: a pid names a process only on
 * its own host, and only while that process lives (pids are reused), so what it says is checked
 * against the running processes before it is repeated.
 */
export const HOLDER_FILE = 'collector.lock.json';

/** Who held (or holds) the lock, as the holder recorded it. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

export function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid !== 'number' || typeof holder.hostname !== 'string' || typeof holder.startedAt !== 'string') return null;
    return { pid: holder.pid, hostname: holder.hostname, startedAt: holder.startedAt };
  } catch {
    return null;
  }
}

/**
 * Whether the recorded process is running now: true or false on this host, null on another
 * (nothing here can tell). A pid that runs may have been reused by another program after the
 * recorded one ended; callers say "a process with that pid runs", not that the collector does.
 */
export function holderRunning(holder: LockHolder): boolean | null {
  if (holder.hostname !== hostname()) return null;
  // 0 and negative pids signal process groups: never what a record means.
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const describeHolder = (holder: LockHolder): string => `pid ${holder.pid} on ${holder.hostname}, started ${holder.startedAt}`;

export const sameHolder = (a: LockHolder | null, b: LockHolder): boolean =>
  a !== null && a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;

// Absent on Windows: there the tmp file is still created exclusively, which never follows a link.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Writes the record through a temporary file renamed into place, so a refused start never reads
 * half a file. The temporary file is created anew (O_CREAT|O_EXCL, O_NOFOLLOW): a name left or
 * planted there (a symlink to a file of someone's choosing) is removed, never written through.
 */
export function writeHolder(file: string, holder: LockHolder): void {
  const tmp = `${file}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Removes the record only while it still names `holder`: another collector's record is left alone. */
export function removeHolder(file: string, holder: LockHolder): void {
  if (sameHolder(readHolder(file), holder)) rmSync(file, { force: true });
}

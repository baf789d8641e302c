import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError, conflict } from '../errors.js';
import type { Store } from '../store/store.js';
import { COLLECTOR_VERSION } from '../version.js';
import type { AdminActor } from '../domain/admin-log.js';
import { recordAdminAction } from './admin-log.js';

/** One backup, on disk until the caller has sent it and calls `discard`. */
export interface Snapshot {
  file: string;
  bytes: number;
  sha256: string;
  takenAt: Date;
  /** The release that took it, and the last migration its database has (a restore needs this release or a later one). */
  version: string;
  schema: string;
  /** Names the master key its secrets are sealed with (keys/master-key.ts); the key itself is never in a backup. */
  masterKeyCheck: string;
  discard(): Promise<void>;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Online backups of a SQLite collector (`devtrustctl backup`, POST /admin/v1/backup): a
 * consistent snapshot (Store.snapshot: VACUUM INTO on a connection of its own) written to
 * DATA_DIR/backup-tmp, owner-only, sent, then deleted. One at a time: each needs as much
 * free disk as the database. PostgreSQL is backed up with pg_dump instead
 * (docs/operations-backup-upgrade.md).
 */
export class BackupService {
  private busy = false;
  private readonly dir: string;

  constructor(
    private readonly store: Store,
    dataDir: string,
    private readonly keyCheck: string,
    private readonly log: Logger,
  ) {
    this.dir = path.join(dataDir, 'backup-tmp');
    // A copy a crash left behind holds the whole database: it goes at start, not at the next backup.
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `actor` is recorded in the admin log once the copy is made: a backup carries every secret hash and sealed credential away. */
  async take(actor: AdminActor): Promise<Snapshot> {
    if (this.store.dialect !== 'sqlite') {
      throw conflict(
        'BACKUP_UNAVAILABLE',
        'this collector keeps its data in PostgreSQL: back it up with pg_dump (docs/operations-backup-upgrade.md)',
      );
    }
    if (this.busy) throw conflict('BACKUP_RUNNING', 'another backup is being taken or sent; try again when it is done');
    this.busy = true;
    const takenAt = new Date();
    const file = path.join(this.dir, `devtrust-${takenAt.getTime()}.sqlite`);
    try {
      // Whatever is here was left by a backup a crash interrupted: nothing else writes here.
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { mode: 0o700 });
      await this.store.snapshot(file);
      await chmod(file, 0o600);
      const [{ size }, digest, applied] = await Promise.all([stat(file), sha256(file), this.store.appliedMigrations()]);
      this.log.info({ bytes: size, schema: applied.at(-1) }, 'backup taken');
      const after = {
        takenAt: takenAt.toISOString(),
        bytes: size,
        sha256: digest,
        schema: applied.at(-1) ?? '',
        masterKeyCheck: this.keyCheck,
      };
      // A database that refuses writes (full, read-only) is when a backup is needed most: the
      // backup goes ahead, and the collector log says who took it instead.
      await recordAdminAction(this.store, actor, { resourceType: 'backup', resourceId: null, action: 'take', after }).catch(
        (error: unknown) =>
          this.log.error(
            { err: error, apiKeyId: actor.keyId, apiKeyName: actor.keyName, address: actor.address, ...after },
            'backup not recorded in the admin log',
          ),
      );
      let discarded = false;
      return {
        file,
        bytes: size,
        sha256: digest,
        takenAt,
        version: COLLECTOR_VERSION,
        schema: applied.at(-1) ?? '',
        masterKeyCheck: this.keyCheck,
        discard: async () => {
          if (discarded) return;
          discarded = true;
          await rm(this.dir, { recursive: true, force: true });
          this.busy = false;
        },
      };
    } catch (error) {
      await rm(this.dir, { recursive: true, force: true });
      this.busy = false;
      if (error instanceof AppError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
        this.log.warn({ code }, 'backup failed: no room in the data dir for the copy');
        throw new AppError(
          507,
          'BACKUP_NO_SPACE',
          'the data directory has no room for the copy (it needs about as much free space as the database takes); free some and try again',
          { cause: error },
        );
      }
      this.log.error({ err: error }, 'backup failed');
      throw new AppError(500, 'BACKUP_FAILED', 'the backup could not be taken; the collector log says why', { cause: error });
    }
  }
}

import type { Router } from '@koa/router';
import { createReadStream } from 'node:fs';
import { adminActor } from '../../http/actor.js';
import { onlyRoles } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { ApiKey } from '../../domain/api-key.js';
import type { Services } from '../../services/services.js';

/** A backup download that makes no progress for this long is dropped. */
const STALLED_CLIENT_MS = 60_000;

const take = operation({
  summary: 'Take a consistent backup of the SQLite database, while it serves, and download it',
  description:
    'The answer is the database file (application/vnd.sqlite3). X-DevTrust-Backup-SHA256 is its SHA-256; X-DevTrust-Master-Key-Check names ' +
    'the master key its secrets are sealed with (the key is never in a backup). A PostgreSQL collector answers 409 BACKUP_UNAVAILABLE (use pg_dump); ' +
    'a second backup while one is sent, 409 BACKUP_RUNNING; no room in the data dir for the copy, 507 BACKUP_NO_SPACE.',
  responses: { 200: { description: 'the database file', contentType: 'application/vnd.sqlite3' } },
});

/**
 * `POST /admin/v1/backup` (`devtrustctl backup FILE`): owners only, because the copy holds
 * everything — API key and enrollment key hashes, sealed vendor secrets, every device and
 * sign-in. See docs/operations-backup-upgrade.md.
 */
export function backupRoutes(services: Services): Router {
  const { backups } = services;
  const router = exactRouter();
  const ownerOnly = onlyRoles(['owner'], 'take backups (a backup holds every secret hash and sealed credential)');

  router.post('/backup', ownerOnly, take, async function downloadBackup(ctx) {
    const snapshot = await backups.take(adminActor(ctx));
    const stream = createReadStream(snapshot.file);
    // Sent, failed or abandoned by the client: the copy on disk goes either way.
    stream.once('close', () => void snapshot.discard());
    // A client that stops reading would hold the one backup slot (and the copy) forever.
    ctx.req.socket.setTimeout(STALLED_CLIENT_MS, () => ctx.req.socket.destroy());
    const key = ctx.state.apiKey as ApiKey;
    stream.once('end', () => services.log.info({ apiKeyId: key.id, apiKeyName: key.name, bytes: snapshot.bytes }, 'backup sent'));
    const stamp = snapshot.takenAt.toISOString().replace(/[:.]/g, '-');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="devtrust-backup-${stamp}.sqlite"`);
    ctx.set('X-DevTrust-Backup-SHA256', snapshot.sha256);
    ctx.set('X-DevTrust-Backup-Taken-At', snapshot.takenAt.toISOString());
    ctx.set('X-DevTrust-Version', snapshot.version);
    ctx.set('X-DevTrust-Schema', snapshot.schema);
    ctx.set('X-DevTrust-Master-Key-Check', snapshot.masterKeyCheck);
    ctx.type = 'application/vnd.sqlite3';
    ctx.length = snapshot.bytes;
    ctx.body = stream;
  });
  return router;
}

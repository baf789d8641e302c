import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { hashToken } from '@devtrust/shared/crypto';
import type { Store } from '../store/store.js';
import { FIRST_START_KEYS_FILE } from './first-start-keys.js';

/** A key's own line in the file: two spaces, then an owner API key (dtk_…) or the enrollment key (dte_…). */
const KEY_LINE = /^ {2}(dt[ke]_\S+)$/;

/**
 * What replaces a key's line once the key stops working: that it does not, since when, and what
 * to use instead. The dead key itself goes (it is of no use, and `grep dte_` in the README's
 * set-up must find nothing rather than a key that is refused). No new key is ever written here:
 * a new key is shown once, by the command that made it.
 */
function stoppedLines(key: string, since: Date, how: string): string[] {
  const when = since.toISOString();
  if (key.startsWith('dtk_'))
    return [
      `  NO LONGER WORKS: ${how} ${when}. Use another owner key: \`devtrustctl keys\` lists them`,
      '  (a key is shown only when it is created; docs/configuration.md, First start).',
    ];
  return [
    `  NO LONGER WORKS: ${how} ${when}. Agents enrolled already keep working; new agents need`,
    '  the current key, shown once to whoever rotated it (lost: `devtrustctl enrollment-key rotate`',
    '  makes another; docs/configuration.md, First start).',
  ];
}

/**
 * Keeps DATA_DIR/first-start-keys.txt truthful: when a key it lists stops working (the
 * enrollment key rotated or replaced, the owner API key revoked), that key's line says so. Run
 * after each such change and at start-up (a change made through another node, or while this one
 * was stopped).
 *
 * Once no key in the file works, the file is removed rather than kept as a list of dead keys:
 * it was only ever a hand-over of secrets (its last line says to delete it once they are
 * stored), there is nothing left in it to store, and the start-up reminder that it "still holds
 * the first-start keys" would otherwise go on being false. While one key still works, the
 * file stays, the dead one marked, so an admin reading it is not sent to a key that is refused.
 */
export class FirstStartKeysStanding {
  private readonly file: string;

  constructor(
    private readonly store: Store,
    dataDir: string,
    private readonly log: Logger,
  ) {
    this.file = path.join(dataDir, FIRST_START_KEYS_FILE);
  }

  /** Marks the keys that stopped working. Never throws: the change it follows is committed already. */
  async refresh(): Promise<void> {
    try {
      await this.rewrite();
    } catch (error) {
      this.log.warn({ err: error, file: this.file }, 'could not mark the keys that stopped working in the first-start keys file');
    }
  }

  private async rewrite(): Promise<void> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const lines: string[] = [];
    let working = 0;
    let stopped = 0;
    for (const line of text.split('\n')) {
      const key = KEY_LINE.exec(line)?.[1];
      const standing = key === undefined ? null : await this.stopped(key);
      if (key === undefined || standing === null) {
        if (key !== undefined) working++;
        lines.push(line);
      } else {
        stopped++;
        lines.push(...stoppedLines(key, standing.since, standing.how));
      }
    }
    if (stopped === 0) return;
    if (working === 0) {
      rmSync(this.file, { force: true });
      this.log.info({ file: this.file }, 'removed the first-start keys file: none of its keys works any more');
      return;
    }
    // A reader never sees half a file: written whole beside it (owner-only), then renamed over it.
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeFileSync(temporary, lines.join('\n'), { mode: 0o600, flag: 'wx' });
      renameSync(temporary, this.file);
    } finally {
      rmSync(temporary, { force: true });
    }
    this.log.info({ file: this.file }, 'marked the keys that stopped working in the first-start keys file');
  }

  /** How and since when a listed key stopped working, or null while it works. */
  private async stopped(key: string): Promise<{ how: string; since: Date } | null> {
    const hash = hashToken(key);
    if (key.startsWith('dtk_')) {
      const found = await this.store.apiKeys.findByHash(hash);
      if (found === null) return { how: "not in this collector's database, noticed", since: new Date() };
      return found.revokedAt === null ? null : { how: 'revoked', since: new Date(found.revokedAt) };
    }
    if ((await this.store.settings.get('enrollmentKeyHash')) === hash) return null;
    // The latest enrollment-key change is the one that replaced it (unless retention purged it).
    const [latest] = (await this.store.adminLog.query({ resourceType: 'enrollment-key', limit: 1 })).entries;
    return { how: 'replaced by a newer enrollment key', since: new Date(latest?.at ?? Date.now()) };
  }
}

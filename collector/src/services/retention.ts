import type { Logger } from 'pino';
import type { CollectorConfig } from '../config/config.js';
import type { Store } from '../store/store.js';

const DAY_MS = 24 * 3_600_000;

/**
 * Retention: transactions live minutes (their verdicts stay in the auth log) and are kept
 * a while for support; the auth log is kept longer, the admin log (who changed what) longer
 * still by default. Purged at start and hourly.
 */
export class RetentionService {
  constructor(
    private readonly store: Store,
    private readonly retention: CollectorConfig['retention'],
    private readonly log: Logger,
  ) {}

  /** Purges what is past its retention; never throws (a failure is logged and retried next time). */
  async purge(now = Date.now()): Promise<void> {
    try {
      const transactions = await this.store.transactions.purgeExpired(now - this.retention.transactionDays * DAY_MS);
      const authLog = await this.store.authLog.purgeBefore(now - this.retention.authLogDays * DAY_MS);
      const adminLog = await this.store.adminLog.purgeBefore(now - this.retention.adminLogDays * DAY_MS);
      if (transactions + authLog + adminLog > 0) this.log.info({ transactions, authLog, adminLog }, 'purged records past their retention');
    } catch (error) {
      this.log.warn({ err: error }, 'purging records past their retention failed');
    }
  }
}

import type { AuthLogEntry, AuthLogQuery, VerdictBucket } from '../domain/auth-log.js';
import type { PageTotal } from '../domain/paging.js';
import type { AuthLogRepo } from '../store/repos/auth-log.js';

/** Rows an export reads per statement: small enough to stream, large enough to be quick. */
const EXPORT_BATCH = 1000;

/** The sign-in record: what each device check decided, for whom, and how it ended. */
export class AuthLogService {
  constructor(private readonly authLog: AuthLogRepo) {}

  /** One page, newest first; `after` continues from the last entry of the page before. */
  query(query: AuthLogQuery): Promise<AuthLogEntry[]> {
    return this.authLog.query(query);
  }

  total(query: Omit<AuthLogQuery, 'after' | 'limit'>): Promise<PageTotal> {
    return this.authLog.total(query);
  }

  /**
   * Every matching entry, newest first, read in keyset batches as the consumer asks for
   * them: an export of a million rows holds one batch in memory, and stopping the
   * iteration (the client went away) stops the reads.
   */
  async *exportAll(query: Omit<AuthLogQuery, 'after' | 'limit'>): AsyncGenerator<AuthLogEntry[]> {
    let after: AuthLogQuery['after'];
    for (;;) {
      const batch = await this.authLog.query({ ...query, limit: EXPORT_BATCH, ...(after ? { after } : {}) });
      if (batch.length > 0) yield batch;
      if (batch.length < EXPORT_BATCH) return;
      const last = batch[batch.length - 1] as AuthLogEntry;
      after = { at: last.at, id: last.id };
    }
  }

  verdictBuckets(since: number, bucketMs: number, offsetMs: number): Promise<VerdictBucket[]> {
    return this.authLog.verdictBuckets(since, bucketMs, offsetMs);
  }

  /** An abandoned prompt the application then completed (redeemed its code) was a real sign-in. */
  markCompleted(transactionId: string): Promise<void> {
    return this.authLog.markCompleted(transactionId);
  }
}

import type { AuthLogEntry, AuthLogQuery } from '../domain/auth-log.js';
import type { AuthLogRepo } from '../store/repos/auth-log.js';

/** The sign-in record: what each device check decided, for whom, and how it ended. */
export class AuthLogService {
  constructor(private readonly authLog: AuthLogRepo) {}

  query(query: AuthLogQuery): Promise<AuthLogEntry[]> {
    return this.authLog.query(query);
  }

  /** An abandoned prompt the application then completed (redeemed its code) was a real sign-in. */
  markCompleted(transactionId: string): Promise<void> {
    return this.authLog.markCompleted(transactionId);
  }
}

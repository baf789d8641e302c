import type { KeysetPosition } from './paging.js';
import type { Verdict } from './verdict.js';

/**
 * attested: an agent attested the device. unattested: no agent answered and the application
 * completed the sign-in. abandoned: no agent answered and nothing completed it — anyone can
 * start one under any name, so it says nothing about that user and is kept out of view.
 */
export type AuthLogOutcome = 'attested' | 'unattested' | 'abandoned';

export interface AuthLogEntry extends Verdict {
  id: number;
  outcome: AuthLogOutcome;
  at: number;
  transactionId: string | null;
  applicationId: string | null;
  applicationName: string | null;
  username: string | null;
  endpointId: string | null;
  /** The endpoint's hostname when it is still enrolled and reported one. */
  endpointHostname?: string | null;
}

export interface AuthLogQuery {
  /** At or after (ms since the epoch). */
  since?: number;
  /** Before (ms since the epoch). */
  until?: number;
  user?: string;
  applicationId?: string;
  endpointId?: string;
  verdict?: 'trusted' | 'untrusted';
  /** The reference an application or a user quotes (the transaction id): that sign-in's entry, whatever its outcome. */
  reference?: string;
  /** Default: every real sign-in (attested and unattested), not abandoned prompts. */
  outcome?: AuthLogOutcome | 'all';
  /** Newest first by time then id: the page starts after this row. */
  after?: KeysetPosition<number>;
  limit?: number;
}

/** Real sign-ins per time bucket, for the dashboard's chart. */
export interface VerdictBucket {
  /** Start of the bucket (ms since the epoch). */
  start: number;
  trusted: number;
  /** Untrusted but allowed (e.g. an allow-all application). */
  untrusted: number;
  denied: number;
}

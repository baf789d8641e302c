import type { KeysetPosition } from './paging.js';
import type { Verdict } from './verdict.js';

/**
 * attested: an agent attested the device. unattested: no agent answered and the application
 * completed the sign-in. abandoned: no agent answered and nothing completed it — anyone can
 * start one under any name, so it says nothing about that user and is kept out of the auth
 * log's default view. An abandoned row that denies access is still a sign-in blocked for lack
 * of an agent (the prompt showed the denial and passes it to the application): the dashboard
 * counts it as denied (`deniedNoAgent`). Only an allowing one nobody completed is abandoned there.
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

/** Sign-ins per time bucket, for the dashboard's chart: every verdict given, not abandoned prompts. */
export interface VerdictBucket {
  /** Start of the bucket (ms since the epoch). */
  start: number;
  trusted: number;
  /** Untrusted but allowed (e.g. an allow-all application). */
  untrusted: number;
  /** Every denial, those for lack of an agent among them. */
  denied: number;
  /** Of `denied`, those denied because no agent answered (reason `no-agent`, outcome unattested or abandoned). */
  deniedNoAgent: number;
}

/** A bucket nobody signed in during. */
export function emptyVerdictBucket(start: number): VerdictBucket {
  return { start, trusted: 0, untrusted: 0, denied: 0, deniedNoAgent: 0 };
}

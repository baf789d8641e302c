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
}

export interface AuthLogQuery {
  since?: number;
  user?: string;
  verdict?: 'trusted' | 'untrusted';
  /** The reference an application or a user quotes (the transaction id): that sign-in's entry, whatever its outcome. */
  reference?: string;
  /** Default: every real sign-in (attested and unattested), not abandoned prompts. */
  outcome?: AuthLogOutcome | 'all';
  limit?: number;
}

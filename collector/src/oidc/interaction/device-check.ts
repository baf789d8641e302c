import { TooManyRequests } from '../../limits/rate-limiter.js';
import type { Services } from '../../services/services.js';
import type { Application, ReasonDetail } from '../../domain/application.js';
import { discloseVerdict } from '../../policy/disclosure.js';
import type { Transaction } from '../../domain/transaction.js';
import { tooManySignIns } from './errors.js';

/** What the prompt page may learn while it waits: the collector's record, nothing else. */
export type CheckState =
  | { state: 'pending' }
  | { state: 'expired' }
  | {
      state: 'decided';
      access: 'allow' | 'deny';
      verdict: 'trusted' | 'untrusted';
      summary: string;
      /** As many reasons as the application's reasonDetail shows its users. */
      reasons: string[];
      reference: string;
    };

/**
 * The device check behind one interaction: one transaction per interaction (a reload
 * reuses it while it lives), decided by the agent's attestation over its own session or,
 * once the wait for an agent is over, without a device, so policy decides.
 */
export class DeviceCheck {
  constructor(
    private readonly services: Services,
    private readonly agentWaitMs: number,
  ) {}

  /** The interaction's transaction, opened on first sight (or again once expired). */
  async open(uid: string, app: Application, loginHint: string, ttlSec: number): Promise<Transaction> {
    const existing = await this.transactionOf(uid);
    if (existing && existing.state !== 'expired') return existing;
    // The address was counted at the authorization endpoint; the application is counted
    // here, where the client id is known whichever way the request came (query, form, JAR).
    try {
      this.services.signInLimits.application(app.id);
    } catch (error) {
      throw error instanceof TooManyRequests ? tooManySignIns(error) : error;
    }
    const tx = await this.services.transactions.open(app.id, loginHint);
    await this.services.oidc.savePrompt(uid, tx.id, Date.now() + Math.max(ttlSec, 1) * 1000);
    return tx;
  }

  async transactionOf(uid: string): Promise<Transaction | null> {
    const id = await this.services.oidc.promptTransactionId(uid);
    return id === null ? null : this.services.transactions.get(id);
  }

  /**
   * The state the page polls. The wait for an agent is enforced here, on the collector's
   * clock, so a page that stops polling or lies cannot stretch or cut it short. `detail`:
   * the application's reasonDetail (the page is the end user's view).
   */
  async state(uid: string, detail: ReasonDetail): Promise<CheckState | null> {
    let tx = await this.transactionOf(uid);
    if (!tx) return null;
    if (tx.state === 'pending' && Date.now() - tx.createdAt >= this.agentWaitMs) {
      await this.services.verdicts.decideTransaction(tx, null);
      // Re-read: an agent may have won the race, and its verdict is the one that counts.
      tx = await this.services.transactions.get(tx.id);
      if (!tx) return null;
    }
    if (tx.state === 'expired') return { state: 'expired' };
    if (tx.state !== 'decided' || tx.verdict === null) return { state: 'pending' };
    const shown = discloseVerdict(detail, tx.verdict, tx.id);
    return { state: 'decided', ...shown, summary: summarize(shown.reasons) };
  }

  async forget(uid: string): Promise<void> {
    await this.services.oidc.forgetPrompt(uid);
  }
}

/** The first two reasons as sentences: "denied: policy …" → "Policy …." */
export function summarize(reasons: string[]): string {
  return reasons
    .slice(0, 2)
    .map((reason) => reason.replace(/^(denied|allowed|untrusted|trusted):\s*/i, '').trim())
    .filter((text) => text !== '')
    .map((text) => {
      const sentence = text.charAt(0).toUpperCase() + text.slice(1);
      return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
    })
    .join(' ');
}

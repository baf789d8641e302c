import { EventEmitter } from 'node:events';
import type { AgentStatus } from '@devtrust/agent/core/agent';
import type { TrayAgent } from '@devtrust/agent/main/tray-app';
import { sampleStatus } from './sample-status.js';

/** The agent core as the tray sees it; tests change `current` and emit 'status'. */
export class FakeAgent extends EventEmitter implements TrayAgent {
  current: AgentStatus = sampleStatus({ lastVerdict: null });
  attested: string[] = [];
  reports = 0;
  started = false;
  stopped = false;
  async start() {
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
  status() {
    return this.current;
  }
  async reportNow() {
    this.reports++;
  }
  described: string[] = [];
  /**
   * What describeTransaction answers next: a description, or an error it rejects with. It
   * expires in five minutes, as a real transaction would (an expired one closes at once).
   */
  description: { application: string; username: string; expiresAt?: string } | Error = {
    application: 'Payroll',
    username: 'alice@example.com',
    expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
  };
  async describeTransaction(transactionId: string) {
    this.described.push(transactionId);
    if (this.description instanceof Error) throw this.description;
    return this.description;
  }
  async attest(transactionId: string) {
    this.attested.push(transactionId);
    return { transactionId, verdict: 'trusted', access: 'allow', reasons: [] };
  }
  set(next: Partial<AgentStatus>) {
    this.current = { ...this.current, ...next };
    this.emit('status', this.current);
  }
}

import type { Report } from '@devtrust/shared/protocol';
import { ReportsPartlyStored, type ReportToStore } from '../domain/endpoint.js';
import type { EndpointService } from '../services/endpoints.js';

interface Pending extends ReportToStore {
  resolve(stored: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit for agent reports: reports that arrive while a write is in progress are
 * stored together in the next transaction. At low load a report is written at once; under
 * load one transaction carries many, so throughput grows without adding a timer's latency.
 * An ack is sent only once its report is committed.
 */
export class ReportWriter {
  private queue: Pending[] = [];
  private writers = 0;

  /**
   * `parallel`: transactions in flight at once. SQLite has one writer, so 1; PostgreSQL
   * gains from a few, as each statement there costs a network round trip.
   */
  constructor(
    private readonly endpoints: EndpointService,
    private readonly parallel = endpoints.parallelReportWrites,
    private readonly maxBatch = 250,
    private readonly minParallelBatch = 50,
  ) {}

  /** Resolves true when stored, false when the sequence is not newer (a replay). */
  write(endpointId: string, seq: number, report: Report, at: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ endpointId, seq, report, at, resolve, reject });
      // Another writer starts only for a queue worth a batch of its own: started for every
      // report, four PostgreSQL writers split a burst into batches of a few reports, each
      // paying a transaction, its statements and a WAL flush (about 6 reports per batch
      // with 200 agents reporting back to back, against about 50 this way).
      if (this.writers === 0 || (this.writers < this.parallel && this.queue.length >= this.minParallelBatch)) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writers += 1;
    try {
      while (this.queue.length > 0) {
        // Sorted by endpoint, then sequence: one endpoint's reports are stored in order. One
        // session sends its next report only after the ack, but an endpoint with two sessions
        // (or one on another collector) can be in two batches at once; recordReports runs again
        // what the server aborted for a deadlock (a statement or a transaction, never what committed).
        const batch = this.queue
          .splice(0, this.maxBatch)
          .sort((a, b) => (a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : a.seq - b.seq));
        try {
          const stored = await this.endpoints.recordReports(batch);
          batch.forEach((item, i) => item.resolve(stored[i] === true));
        } catch (error) {
          // Reports committed before the failure are stored: acked as such, not failed with the rest.
          const partly = error instanceof ReportsPartlyStored ? error : null;
          batch.forEach((item, i) => (partly?.stored[i] === true ? item.resolve(true) : item.reject(partly ? partly.cause : error)));
        }
      }
    } finally {
      this.writers -= 1;
    }
  }
}

import type { Report } from '@devtrust/shared/protocol';
import type { AdminActor } from '../domain/admin-log.js';
import type { Endpoint, EndpointQuery, ReportToStore } from '../domain/endpoint.js';
import type { Store } from '../store/store.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import { recordAdminAction } from './admin-log.js';

/** Enrolled endpoints: enrollment, their verified reports, and what admins do with them. */
export class EndpointService {
  /**
   * Report transactions worth having in flight at once: SQLite has one writer, so 1;
   * PostgreSQL gains from a few, as each statement there costs a network round trip.
   */
  readonly parallelReportWrites: number;

  constructor(
    private readonly store: Store,
    /** Counts reports stored, replayed and failed (absent: not counted). */
    private readonly metrics?: CollectorMetrics,
  ) {
    this.parallelReportWrites = store.dialect === 'postgres' ? 4 : 1;
  }

  /** The endpoint of this device key, enrolled now unless it already is. */
  enroll(publicKey: string): Promise<Endpoint> {
    return this.store.endpoints.enroll(publicKey);
  }

  get(id: string): Promise<Endpoint | null> {
    return this.store.endpoints.get(id);
  }

  list(query: EndpointQuery = {}): Promise<Endpoint[]> {
    return this.store.endpoints.list(query);
  }

  /** Stores verified reports in one transaction; per report, whether it was newer and stored. */
  async recordReports(items: ReportToStore[]): Promise<boolean[]> {
    try {
      const stored = await this.store.endpoints.recordReports(items);
      this.metrics?.reportsIngested(stored);
      return stored;
    } catch (error) {
      this.metrics?.reportsFailed(items.length);
      throw error;
    }
  }

  history(id: string): Promise<{ receivedAt: number; seq: number; report: Report }[]> {
    return this.store.endpoints.history(id);
  }

  setBlocked(id: string, blocked: boolean, actor: AdminActor): Promise<boolean> {
    return this.recorded(id, blocked ? 'block' : 'unblock', actor, (tx) => tx.endpoints.setBlocked(id, blocked));
  }

  /** Approves a pending endpoint; false when it is not pending. */
  approve(id: string, actor: AdminActor): Promise<boolean> {
    return this.recorded(id, 'approve', actor, (tx) => tx.endpoints.approve(id));
  }

  /** Denies (and blocks) a pending endpoint; false when it is not pending. */
  deny(id: string, actor: AdminActor): Promise<boolean> {
    return this.recorded(id, 'deny', actor, (tx) => tx.endpoints.deny(id));
  }

  forget(id: string, actor: AdminActor): Promise<boolean> {
    return this.recorded(id, 'forget', actor, (tx) => tx.endpoints.forget(id));
  }

  /**
   * Makes an admin's change to one endpoint and records it in the same transaction; nothing
   * is recorded when `change` reports that nothing changed. Other endpoint actions (e.g.
   * releasing a key) can go through here too.
   */
  async recorded(id: string, action: string, actor: AdminActor, change: (tx: Store) => Promise<boolean>): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const before = await tx.endpoints.get(id);
      if (!before || !(await change(tx))) return false;
      const after = await tx.endpoints.get(id);
      await recordAdminAction(tx, actor, { resourceType: 'endpoint', resourceId: id, action, before, after });
      return true;
    });
  }
}

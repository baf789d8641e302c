import type { Report } from '@devtrust/shared/protocol';
import type { Endpoint, EndpointCredentials, EndpointQuery, ReportToStore } from '../domain/endpoint.js';
import type { Store } from '../store/store.js';

/** Enrolled endpoints: enrollment, their verified reports, and what admins do with them. */
export class EndpointService {
  /**
   * Report transactions worth having in flight at once: SQLite has one writer, so 1;
   * PostgreSQL gains from a few, as each statement there costs a network round trip.
   */
  readonly parallelReportWrites: number;

  constructor(private readonly store: Store) {
    this.parallelReportWrites = store.dialect === 'postgres' ? 4 : 1;
  }

  /** The endpoint of this device key, enrolled now unless it already is. */
  enroll(publicKey: string): Promise<Endpoint> {
    return this.store.endpoints.enroll(publicKey);
  }

  get(id: string): Promise<Endpoint | null> {
    return this.store.endpoints.get(id);
  }

  /** The endpoint's key and last sequence only (authentication). */
  credentials(id: string): Promise<EndpointCredentials | null> {
    return this.store.endpoints.credentials(id);
  }

  list(query: EndpointQuery = {}): Promise<Endpoint[]> {
    return this.store.endpoints.list(query);
  }

  /** Stores verified reports in one transaction; per report, whether it was newer and stored. */
  recordReports(items: ReportToStore[]): Promise<boolean[]> {
    return this.store.endpoints.recordReports(items);
  }

  history(id: string): Promise<{ receivedAt: number; seq: number; report: Report }[]> {
    return this.store.endpoints.history(id);
  }

  setBlocked(id: string, blocked: boolean): Promise<boolean> {
    return this.store.endpoints.setBlocked(id, blocked);
  }

  /** Approves a pending endpoint; false when it is not pending. */
  approve(id: string): Promise<boolean> {
    return this.store.endpoints.approve(id);
  }

  /** Denies (and blocks) a pending endpoint; false when it is not pending. */
  deny(id: string): Promise<boolean> {
    return this.store.endpoints.deny(id);
  }

  forget(id: string): Promise<boolean> {
    return this.store.endpoints.forget(id);
  }
}

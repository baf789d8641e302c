import type { Logger } from 'pino';
import type { KeyKind, Report } from '@devtrust/shared/protocol';
import type { BindingRelease, Endpoint, EndpointQuery, ReportToStore } from '../domain/endpoint.js';
import { conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';

/** Who did an admin action, as the log records it. */
export interface Actor {
  apiKeyId: string | null;
  apiKeyName: string | null;
}

/** Enrolled endpoints: enrollment, their verified reports, and what admins do with them. */
export class EndpointService {
  /**
   * Report transactions worth having in flight at once: SQLite has one writer, so 1;
   * PostgreSQL gains from a few, as each statement there costs a network round trip.
   */
  readonly parallelReportWrites: number;

  constructor(
    private readonly store: Store,
    private readonly log: Logger | null = null,
  ) {
    this.parallelReportWrites = store.dialect === 'postgres' ? 4 : 1;
  }

  /** The endpoint of this device key, enrolled now (with the key kind the agent claims) unless it already is. */
  enroll(publicKey: string, keyKind: KeyKind = 'software'): Promise<Endpoint> {
    return this.store.endpoints.enroll(publicKey, keyKind);
  }

  get(id: string): Promise<Endpoint | null> {
    return this.store.endpoints.get(id);
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

  /** False when there is no such endpoint. A released endpoint stays blocked (409 ENDPOINT_RELEASED). */
  async setBlocked(id: string, blocked: boolean): Promise<boolean> {
    if (!blocked && ((await this.store.endpoints.get(id))?.releasedAt ?? null) !== null) throw releasedBefore();
    return this.store.endpoints.setBlocked(id, blocked);
  }

  /**
   * Releases the endpoint's hold on its identifiers (a re-imaged laptop whose new key waits
   * for approval): the one way to do it, so every release is logged here, with who did it.
   */
  async release(id: string, actor: Actor): Promise<BindingRelease> {
    const result = await this.store.endpoints.release(id, Date.now());
    if (result === null) throw notFound('endpoint');
    if (!result.released) throw releasedBefore();
    const { released: _released, ...release } = result;
    this.log?.info({ ...release, apiKeyId: actor.apiKeyId, apiKeyName: actor.apiKeyName }, 'endpoint identifiers released');
    return release;
  }

  /** Approves a pending endpoint; false when it is not pending. */
  approve(id: string): Promise<boolean> {
    return this.store.endpoints.approve(id);
  }

  /** Denies (and blocks) a pending endpoint; false when it is not pending. */
  deny(id: string): Promise<boolean> {
    return this.store.endpoints.deny(id);
  }

  /** Deletes the endpoint; its identifier bindings go with it, so it is logged like a release. */
  async forget(id: string, actor: Actor): Promise<boolean> {
    const forgotten = await this.store.endpoints.forget(id);
    if (forgotten) this.log?.info({ endpointId: id, apiKeyId: actor.apiKeyId, apiKeyName: actor.apiKeyName }, 'endpoint forgotten');
    return forgotten;
  }
}

const releasedBefore = () =>
  conflict('ENDPOINT_RELEASED', 'the endpoint was released: its key is retired for good (forget it if its agent must enroll again)');

import type { Logger } from 'pino';
import type { KeyKind, Report } from '@devtrust/shared/protocol';
import type { AdminActor } from '../domain/admin-log.js';
import type {
  BindingRelease,
  Endpoint,
  EndpointCounts,
  EndpointCredentials,
  EndpointPageQuery,
  EndpointQuery,
  IdentifierClaim,
  ReportToStore,
  WaitingOn,
  NamedEndpoint,
} from '../domain/endpoint.js';
import { ReportsPartlyStored } from '../domain/endpoint.js';
import type { PageTotal } from '../domain/paging.js';
import { conflict, notFound } from '../errors.js';
import { storedHolders, waitsOnOf, type WaitsOnListed } from '../match/waits-on.js';
import type { ReportingCounts } from './identifier-lookups.js';
import type { Store } from '../store/store.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import { recordAdminAction } from './admin-log.js';
import { forgetRecord, releaseRecord, type Forgetting } from './admin-log-releases.js';

/** Pending endpoints of one listed page read again for what they claim now, when their claims name a forgotten holder. */
const FORGOTTEN_READ_PER_PAGE = 20;

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
    /** Counts reports stored, replayed and failed (absent: not counted). */
    private readonly metrics?: CollectorMetrics,
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

  /** The endpoint with how many endpoints report each of its identifiers: what an attestation reads (one statement). */
  forDecision(id: string): Promise<{ endpoint: Endpoint; reporting: ReportingCounts } | null> {
    return this.store.endpoints.withReporting(id);
  }

  /** The endpoint's key and last sequence only (authentication). */
  credentials(id: string): Promise<EndpointCredentials | null> {
    return this.store.endpoints.credentials(id);
  }

  list(query: EndpointQuery = {}): Promise<Endpoint[]> {
    return this.store.endpoints.list(query);
  }

  /** One page in the sort's order, after `query.after` when given. */
  page(query: EndpointPageQuery): Promise<Endpoint[]> {
    return this.store.endpointPages.page(query);
  }

  /**
   * A page of endpoints that pass `keep` (a check made now, such as trust, that no column
   * holds): reads batches in order until `limit` pass or `maxScanned` were read. `next` is
   * where the following page starts (null at the end), so a sparse match costs several
   * short pages, never an unbounded scan.
   */
  async pageWhere<T>(
    query: EndpointPageQuery,
    keep: (endpoint: Endpoint) => Promise<T | null>,
    maxScanned: number,
  ): Promise<{ items: T[]; next: Endpoint | null }> {
    const items: T[] = [];
    let after = query.after;
    let scanned = 0;
    for (;;) {
      // About as many as the page still needs, judged together: few judged past the page's end.
      const size = Math.min(Math.max(query.limit - items.length, 25), 200, maxScanned - scanned);
      const batch = await this.page({ ...query, ...(after ? { after } : {}), limit: size });
      scanned += batch.length;
      const judged = await Promise.all(batch.map(keep));
      for (const [i, endpoint] of batch.entries()) {
        const kept = judged[i] ?? null;
        if (kept !== null) items.push(kept);
        // A full page: the next one starts after this endpoint, unless the table ended here.
        if (items.length === query.limit) return { items, next: i < batch.length - 1 || batch.length === size ? endpoint : null };
      }
      const last = batch[batch.length - 1];
      if (batch.length < size || last === undefined) return { items, next: null };
      if (scanned >= maxScanned) return { items, next: last };
      after = { at: query.sort === 'enrolled' ? last.enrolledAt : last.lastSeenAt, id: last.id };
    }
  }

  /**
   * What each pending endpoint of a listed page waits on (match/waits-on.ts), by endpoint id:
   * the first holders its stored claims name, their names read in one batched statement for the
   * whole page (none when no listed endpoint is pending), never one read per row. An endpoint
   * whose stored claims are out of date (a holder forgotten, or a value it no longer reports)
   * is also read for what it claims against now (its page and the pending finding name those
   * holders), for at most FORGOTTEN_READ_PER_PAGE of a page: a disk image's thousand copies of a
   * forgotten holder must not cost a read each; the others are marked `outdated`.
   */
  async waitsOn(page: readonly Endpoint[]): Promise<Map<string, WaitsOnListed>> {
    const pending = page.filter((e) => e.approval === 'pending');
    if (pending.length === 0) return new Map();
    const named = await this.store.endpointPages.named(pending.flatMap((e) => storedHolders(e).first));
    const listed = new Map(pending.map((e) => [e.id, waitsOnOf(e, named)]));
    const forgotten = pending.filter((e) => listed.get(e.id)!.outdated).slice(0, FORGOTTEN_READ_PER_PAGE);
    if (forgotten.length === 0) return listed;
    const now = new Map<string, IdentifierClaim[]>();
    for (const e of forgotten) now.set(e.id, await this.store.endpoints.claimsNow(e.id));
    const unnamed = [...now.values()].flatMap((claims) => claims.flatMap((c) => c.heldBy)).filter((id) => !named.has(id));
    const more = unnamed.length > 0 ? await this.store.endpointPages.named(unnamed) : new Map<string, NamedEndpoint>();
    const all = new Map([...named, ...more]);
    for (const e of forgotten) {
      const gone = new Set(storedHolders(e).first.filter((id) => !named.has(id)));
      listed.set(e.id, waitsOnOf(e, all, { claims: now.get(e.id) ?? [], forgotten: gone }));
    }
    return listed;
  }

  total(query: Pick<EndpointPageQuery, 'q' | 'approval'>): Promise<PageTotal> {
    return this.store.endpointPages.total(query);
  }

  counts(seenSince: number): Promise<EndpointCounts> {
    return this.store.endpointPages.counts(seenSince);
  }

  /**
   * Stores verified reports; per report, whether it was newer and stored. Throws
   * ReportsPartlyStored when some were stored before storing the others failed.
   */
  async recordReports(items: ReportToStore[]): Promise<boolean[]> {
    try {
      const stored = await this.store.recordReports(items);
      this.metrics?.reportsIngested(stored);
      return stored;
    } catch (error) {
      // Part of the batch may be stored (PostgreSQL's usual reports commit by themselves).
      const stored = error instanceof ReportsPartlyStored ? error.stored.filter(Boolean) : [];
      this.metrics?.reportsIngested(stored);
      this.metrics?.reportsFailed(items.length - stored.length);
      throw error;
    }
  }

  history(id: string): Promise<{ receivedAt: number; seq: number; report: Report }[]> {
    return this.store.endpoints.history(id);
  }

  /** What a pending endpoint claims against today (EndpointsRepo.claimsNow): what approving it makes duplicates of. */
  claimsNow(id: string): Promise<IdentifierClaim[]> {
    return this.store.endpoints.claimsNow(id);
  }

  /** Whom releasing the endpoint would approve now, read-only (the caution before a release names it). */
  freedByRelease(id: string): Promise<string[]> {
    return this.store.endpoints.freedByRelease(id);
  }

  /** The endpoints pending on this one's identifiers: what releasing it judges again, and forgetting it leaves pending. */
  waitingOn(id: string): Promise<WaitingOn> {
    return this.store.endpoints.waitingOn(id);
  }

  /** False when there is no such endpoint. A released endpoint stays blocked (409 ENDPOINT_RELEASED). */
  async setBlocked(id: string, blocked: boolean, actor: AdminActor): Promise<boolean> {
    const released = async () => ((await this.store.endpoints.get(id))?.releasedAt ?? null) !== null;
    if (!blocked && (await released())) throw releasedBefore();
    const changed = await this.recorded(id, blocked ? 'block' : 'unblock', actor, (tx) => tx.endpoints.setBlocked(id, blocked));
    // Released meanwhile (the store refused the unblock): say so, not "no such endpoint".
    if (!changed && !blocked && (await released())) throw releasedBefore();
    return changed;
  }

  /**
   * Releases the endpoint's hold on its identifiers (a re-imaged laptop whose new key waits
   * for approval): the one way to do it, so every release is logged here, with who did it and
   * what it released (admin-log-releases.ts). `bulk`: a release of re-enrolled devices, with its
   * hooks, and so logged as bulk.
   */
  async release(id: string, actor: AdminActor, bulk?: BulkReleaseHooks): Promise<BindingRelease> {
    let result: Awaited<ReturnType<Store['endpoints']['release']>> = null;
    // The release and its admin-log entry commit together (see recorded). `guard` (a bulk
    // release's last check of the pair) runs first in the same transaction, `accept` (what a
    // bulk release allows it to have freed) once it is done: if either throws, nothing is
    // released or logged.
    await this.recorded(id, 'release', actor, async (tx, before) => {
      // A denied endpoint (a copy an admin turned away) holds nothing: releasing it frees no
      // identifier and would only make its refusal irreversible under another name.
      if (before.approval === 'denied' && before.releasedAt === null) throw deniedNotReleasable();
      // Before the guard's row locks: releases wait for each other first (EndpointsRepo.release).
      await tx.endpoints.holdReleases();
      if (bulk) await bulk.guard(tx);
      result = await tx.endpoints.release(id, Date.now());
      if (!result?.released) return false;
      const { released: _released, ...release } = result;
      bulk?.accept(release);
      return { also: releaseRecord(release, bulk !== undefined) };
    });
    const outcome = result as Awaited<ReturnType<Store['endpoints']['release']>>;
    if (outcome === null) throw notFound('endpoint');
    if (!outcome.released) throw releasedBefore();
    const { released: _released, ...release } = outcome;
    this.log?.info({ ...release, apiKeyId: actor.keyId, apiKeyName: actor.keyName }, 'endpoint identifiers released');
    return release;
  }

  /** Approves a pending endpoint; false when it is not pending. */
  approve(id: string, actor: AdminActor): Promise<boolean> {
    return this.recorded(id, 'approve', actor, (tx) => tx.endpoints.approve(id));
  }

  /** Denies (and blocks) a pending endpoint; false when it is not pending. */
  deny(id: string, actor: AdminActor): Promise<boolean> {
    return this.recorded(id, 'deny', actor, (tx) => tx.endpoints.deny(id));
  }

  /** Forgets the endpoint (forgetAndTell); false when there is no such endpoint. */
  async forget(id: string, actor: AdminActor): Promise<boolean> {
    return (await this.forgetAndTell(id, actor)) !== null;
  }

  /**
   * Deletes the endpoint; its identifier bindings go with it. The endpoints waiting on it stay
   * pending for an admin to approve or deny (EndpointsRepo.forget says why): logged with what it
   * held and who is left waiting. Answers that, with the endpoint as it was; null when there is
   * no such endpoint.
   */
  async forgetAndTell(id: string, actor: AdminActor): Promise<(Forgetting & { endpoint: Endpoint }) | null> {
    let done: (Forgetting & { endpoint: Endpoint }) | null = null;
    await this.recorded(id, 'forget', actor, async (tx, before) => {
      // A device an admin blocked (a stolen laptop) keeps its identifiers, so that a new key
      // reporting them waits for approval; forgotten, any new key would take them at once.
      if (before.blocked && before.releasedAt === null && (await tx.endpoints.holdsIdentifiers(id))) throw blockedHolder();
      const forgotten = await tx.endpoints.forgetAndTell(id);
      if (forgotten === null) return false;
      done = { ...forgotten, endpoint: before };
      return { also: forgetRecord(forgotten) };
    });
    const outcome = done as (Forgetting & { endpoint: Endpoint }) | null;
    if (outcome) {
      const { endpoint: _endpoint, ...forgotten } = outcome;
      this.log?.info({ ...forgotten, apiKeyId: actor.keyId, apiKeyName: actor.keyName }, 'endpoint forgotten');
    }
    return outcome;
  }

  /**
   * Makes an admin's change to one endpoint and records it in the same transaction; nothing
   * is recorded when `change` reports that nothing changed. `change` may answer what the entry
   * keeps besides the endpoint (`also`, added to `after`): what a release or forget did, which
   * the endpoint's row does not hold.
   */
  async recorded(
    id: string,
    action: string,
    actor: AdminActor,
    change: (tx: Store, before: Endpoint) => Promise<boolean | { also: Record<string, unknown> }>,
  ): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const before = await tx.endpoints.get(id);
      if (!before) return false;
      const changed = await change(tx, before);
      if (changed === false) return false;
      const after = await tx.endpoints.get(id);
      const also = changed === true ? {} : changed.also;
      await recordAdminAction(tx, actor, {
        resourceType: 'endpoint',
        resourceId: id,
        action,
        before,
        after: after === null && changed === true ? null : { ...after, ...also },
      });
      return true;
    });
  }
}

/** A bulk release's hooks into one release's transaction (EndpointService.release). */
export interface BulkReleaseHooks {
  /** Its last check of the pair, first in the transaction: throwing releases nothing. */
  guard(tx: Store): Promise<void>;
  /** What it allows the release to have freed, once done: throwing rolls the release back. */
  accept(release: BindingRelease): void;
}

const blockedHolder = () =>
  conflict(
    'ENDPOINT_BLOCKED',
    'the endpoint is blocked and holds its identifiers, so a new device key reporting them waits for approval; forgotten, any new key would take them over at once. Unblock it first if the device was recovered',
  );

const deniedNotReleasable = () =>
  conflict(
    'ENDPOINT_DENIED',
    'the endpoint was denied: it holds none of the identifiers it reports (its claims never count), so there is nothing to release, and it stays blocked as it is',
  );

const releasedBefore = () =>
  conflict('ENDPOINT_RELEASED', 'the endpoint was released: its key is retired for good (forget it if its agent must enroll again)');

import type { AdminActor } from '../domain/admin-log.js';
import type { Endpoint } from '../domain/endpoint.js';
import type { KeysetPosition } from '../domain/paging.js';
import type {
  HoldingEndpoint,
  PendingClaimant,
  Reenrollment,
  ReenrollmentJudgement,
  ReenrollmentWindow,
  SkippedReenrollment,
  SkipReason,
} from '../domain/reenrollment.js';
import { AppError, badRequest, conflict } from '../errors.js';
import { holdersOf, judgeReenrollment, judgeReenrollments } from '../match/reenrollment.js';
import type { Store } from '../store/store.js';
import type { EndpointService } from './endpoints.js';

/** Predecessors one release call may name: each is its own transaction, so a call stays short. */
export const MAX_RELEASES_PER_CALL = 1_000;

export interface ReenrollmentPreview {
  candidates: Reenrollment[];
  candidateCount: number;
  /** The first skipped newcomers (on the first page only), oldest enrollment first. */
  skipped: SkippedReenrollment[];
  skippedCount: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Where the next page of candidates starts (null: this was the last). */
  next: KeysetPosition<string> | null;
}

export interface ReenrollmentRelease {
  released: {
    predecessorId: string;
    newcomerId: string;
    identifiers: { kind: string; value: string }[];
    freed: string[];
    stillPending: string[];
  }[];
  /** Named predecessors that stopped qualifying while this call ran, left alone. */
  notReleased: { predecessorId: string; reason: SkipReason | 'released-meanwhile'; detail: string }[];
  /** Candidates in the window this call did not name (the next batch). */
  remaining: number;
}

const byEnrollment = (a: { enrolledAt: number; id: string }, b: KeysetPosition<string>): boolean =>
  a.enrolledAt > b.at || (a.enrolledAt === b.at && a.id > b.id);

/**
 * Releasing re-enrolled devices in bulk (docs/enrollment-and-posture.md): a preview of the
 * pending endpoints whose one predecessor may be released, judged by match/reenrollment.ts,
 * and the release of the predecessors an admin confirms, each through EndpointService.release
 * (its own transaction and admin-log entry), never more than the admin named.
 */
export class ReenrollmentService {
  constructor(
    private readonly store: Store,
    private readonly endpoints: EndpointService,
  ) {}

  /** Every pending endpoint enrolled in the window, judged now. */
  async judge(window: ReenrollmentWindow): Promise<ReenrollmentJudgement & { holders: Map<string, HoldingEndpoint> }> {
    const pending = await this.store.reenrollments.pendingClaimants();
    // Every endpoint some pending endpoint waits on, inside the window or not.
    const holders = await this.store.reenrollments.holders([...new Set(pending.flatMap(holdersOf))]);
    return { ...judgeReenrollments(pending, holders, window), holders };
  }

  async preview(window: ReenrollmentWindow, page: { limit: number; after?: KeysetPosition<string> }): Promise<ReenrollmentPreview> {
    const { candidates, skipped } = await this.judge(window);
    const after = page.after;
    const rest = after
      ? candidates.filter((c) => byEnrollment({ enrolledAt: c.newcomer.enrolledAt, id: c.newcomer.id }, after))
      : candidates;
    const shown = rest.slice(0, page.limit);
    const last = shown[shown.length - 1];
    const skippedByReason: Partial<Record<SkipReason, number>> = {};
    for (const s of skipped) skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
    return {
      candidates: shown,
      candidateCount: candidates.length,
      skipped: after ? [] : skipped.slice(0, page.limit),
      skippedCount: skipped.length,
      skippedByReason,
      next: rest.length > page.limit && last ? { at: last.newcomer.enrolledAt, id: last.newcomer.id } : null,
    };
  }

  /**
   * Releases the named predecessors, each a candidate of the window now (else nothing is
   * released: 400 for ids that are no endpoint or no predecessor, 409 REENROLLMENTS_CHANGED
   * for those the preview showed that no longer qualify). Each pair is judged once more just
   * before its release; one that stopped qualifying meanwhile is left alone and reported.
   */
  async release(window: ReenrollmentWindow, predecessorIds: string[], actor: AdminActor): Promise<ReenrollmentRelease> {
    if (predecessorIds.length > MAX_RELEASES_PER_CALL)
      throw badRequest('TOO_MANY_ENDPOINTS', `at most ${MAX_RELEASES_PER_CALL} predecessors per call`, 'predecessorIds');
    const judged = await this.judge(window);
    const byPredecessor = new Map(judged.candidates.map((c) => [c.predecessor.id, c]));
    const named = new Set(predecessorIds);
    const missing = predecessorIds.filter((id) => !byPredecessor.has(id));
    if (missing.length > 0) await this.refuse(missing, judged, judged.holders);

    const result: ReenrollmentRelease = {
      released: [],
      notReleased: [],
      remaining: judged.candidates.filter((c) => !named.has(c.predecessor.id)).length,
    };
    for (const candidate of judged.candidates.filter((c) => named.has(c.predecessor.id))) {
      const predecessorId = candidate.predecessor.id;
      const change = await this.stillQualifies(candidate, judged.holders.get(predecessorId) as HoldingEndpoint);
      if (change) {
        result.notReleased.push({ predecessorId, ...change });
        continue;
      }
      try {
        const done = await this.endpoints.release(predecessorId, actor);
        result.released.push({ predecessorId, newcomerId: candidate.newcomer.id, ...done });
      } catch (error) {
        // Another request got there first (released or forgotten it): the rest of the batch goes on.
        if (!(error instanceof AppError) || (error.code !== 'ENDPOINT_RELEASED' && error.code !== 'NOT_FOUND')) throw error;
        result.notReleased.push(
          error.code === 'NOT_FOUND'
            ? { predecessorId, reason: 'predecessor-gone', detail: `${predecessorId} was forgotten by another request` }
            : { predecessorId, reason: 'released-meanwhile', detail: `${predecessorId} was released by another request` },
        );
      }
    }
    return result;
  }

  /** Why the named ids cannot be released, as the error the whole call answers. */
  private async refuse(ids: string[], judged: ReenrollmentJudgement, waitedOn: ReadonlyMap<string, HoldingEndpoint>): Promise<never> {
    const found = await this.store.reenrollments.holders(ids.filter((id) => !waitedOn.has(id)));
    const unknown = ids.filter((id) => !waitedOn.has(id) && !found.has(id));
    if (unknown.length > 0)
      throw badRequest('UNKNOWN_ENDPOINT', `no endpoint has the id ${list(unknown)}; nothing was released`, 'predecessorIds');
    // Waited on by no pending endpoint and never released: no preview could have listed it.
    const never = ids.filter((id) => !waitedOn.has(id) && found.get(id)?.releasedAt === null);
    if (never.length > 0)
      throw badRequest(
        'NOT_A_PREDECESSOR',
        `no endpoint pending approval waits on ${list(never)} (release one endpoint with POST /admin/v1/endpoints/:id/release); nothing was released`,
        'predecessorIds',
      );
    const skippedOn = new Map<string, SkippedReenrollment>();
    for (const s of judged.skipped) for (const id of s.heldBy) skippedOn.set(id, s);
    const why = ids.map((id) => {
      const skipped = skippedOn.get(id);
      if (skipped) return `${id}: ${skipped.reason} (${skipped.detail})`;
      return waitedOn.has(id) ? `${id}: its newcomer enrolled outside the window` : `${id}: released already`;
    });
    throw conflict(
      'REENROLLMENTS_CHANGED',
      `${ids.length === 1 ? '1 named predecessor no longer qualifies' : `${ids.length} named predecessors no longer qualify`} since the preview; nothing was released; preview again. ${list(why, '; ')}`,
    );
  }

  /** The pair judged again from fresh reads, right before its release: null if it still qualifies. */
  private async stillQualifies(candidate: Reenrollment, holder: HoldingEndpoint): Promise<{ reason: SkipReason; detail: string } | null> {
    const [newcomer, predecessor] = await Promise.all([
      this.endpoints.get(candidate.newcomer.id),
      this.endpoints.get(candidate.predecessor.id),
    ]);
    if (!newcomer) return { reason: 'newcomer-blocked', detail: `${candidate.newcomer.id} was forgotten` };
    const verdict = judgeReenrollment(
      claimantOf(newcomer),
      predecessor ? { ...claimantOf(predecessor), holds: holder.holds } : undefined,
      1,
    );
    return 'reason' in verdict ? verdict : null;
  }
}

/** What the rules read of an endpoint the service has in hand. */
function claimantOf(e: Endpoint): PendingClaimant {
  const { hardwareUuid, serialNumber, machineGuid } = e.identifiers;
  return {
    id: e.id,
    hostname: e.hostname,
    platform: e.platform,
    enrolledAt: e.enrolledAt,
    lastSeenAt: e.lastSeenAt,
    blocked: e.blocked,
    releasedAt: e.releasedAt,
    approval: e.approval,
    identifiers: {
      ...(hardwareUuid ? { hardwareUuid } : {}),
      ...(serialNumber ? { serialNumber } : {}),
      ...(machineGuid ? { machineGuid } : {}),
    },
    claims: e.approvalClaims,
  };
}

/** At most ten items, then how many more. */
function list(items: string[], separator = ', '): string {
  const shown = items.slice(0, 10).join(separator);
  return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}

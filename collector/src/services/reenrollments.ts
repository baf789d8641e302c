import type { AdminActor } from '../domain/admin-log.js';
import type { BindingRelease } from '../domain/endpoint.js';
import type { KeysetPosition } from '../domain/paging.js';
import type {
  HoldingEndpoint,
  PendingClaimant,
  Reenrollment,
  ReenrollmentJudgement,
  ReenrollmentQuiet,
  ReenrollmentWindow,
  SkippedReenrollment,
  SkipReason,
} from '../domain/reenrollment.js';
import { AppError, badRequest, conflict } from '../errors.js';
import { holdersOf, judgeEach, judgeReenrollment, judgeReenrollments, rivalCounts } from '../match/reenrollment.js';
import { dbFaultKind, retryDeadlock } from '../store/db-errors.js';
import type { Store } from '../store/store.js';
import type { EndpointService } from './endpoints.js';
import { PredecessorReads } from './reenrollment-predecessors.js';

/** Predecessors one release call may name: each is its own transaction, so a call stays short. */
export const MAX_RELEASES_PER_CALL = 1_000;

/** Two of the agent's report intervals (15 minutes): an old key in use shows itself in that time. */
export const DEFAULT_QUIET_MS = 30 * 60_000;

/**
 * How long one release call keeps starting releases (ms), its judgement of the named pairs
 * included: a call of 1,000 takes about 4 s on SQLite and 5–6 s on PostgreSQL on a quiet
 * 2-core machine, however many are pending (docs/performance.md, "Releasing re-enrolled
 * devices"); past this the call answers with what it released and the rest as `unreached`,
 * well inside a proxy's timeout.
 */
export const RELEASE_BUDGET_MS = 5_000;

export interface ReenrollmentPreview {
  candidates: Reenrollment[];
  /** The window's candidates (first page only; null on later pages). */
  candidateCount: number | null;
  /** The first skipped newcomers (on the first page only), oldest enrollment first. */
  skipped: SkippedReenrollment[];
  /** First page only; null on later pages. */
  skippedCount: number | null;
  /** First page only; null on later pages. */
  skippedByReason: Partial<Record<SkipReason, number>> | null;
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
  /** Named predecessors this call did not get to within its time budget, in order: send them again. */
  unreached: string[];
}

/** The most newcomers a later preview page reads at a time. */
const PREVIEW_BATCH = 2_000;
/** Newcomers judged together: their predecessors' reads stay on the few-holders path a release call takes. */
const JUDGED_TOGETHER = MAX_RELEASES_PER_CALL;

/**
 * Releasing re-enrolled devices in bulk (docs/enrollment-and-posture.md): a preview of the
 * pending endpoints whose one predecessor may be released, judged by match/reenrollment.ts,
 * and the release of the predecessors an admin confirms, each through EndpointService.release
 * (its own transaction and admin-log entry), never more than the admin named.
 */
export class ReenrollmentService {
  private readonly quietMs: number;
  private readonly budgetMs: number;
  private readonly clock: () => number;

  /**
   * `quietMs`: how long after a newcomer enrolled its old key must have stayed silent
   * (DEVTRUST_REENROLLMENT_QUIET_MINUTES); `budgetMs`: a release call's time budget.
   */
  constructor(
    private readonly store: Store,
    private readonly endpoints: EndpointService,
    options: { quietMs?: number; budgetMs?: number; clock?: () => number } = {},
  ) {
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.budgetMs = options.budgetMs ?? RELEASE_BUDGET_MS;
    this.clock = options.clock ?? Date.now;
  }

  private quiet(): ReenrollmentQuiet {
    return { now: this.clock(), ms: this.quietMs };
  }

  /** Every pending endpoint enrolled in the window, judged now. */
  async judge(
    window: ReenrollmentWindow,
  ): Promise<ReenrollmentJudgement & { holders: Map<string, HoldingEndpoint>; waitsOn: Map<string, string[]> }> {
    const pending = await this.store.reenrollments.pendingClaimants();
    // Every endpoint some pending endpoint waits on, inside the window or not.
    const holders = await this.store.reenrollments.holders([...new Set(pending.flatMap(holdersOf))]);
    // What each pending endpoint waits on: what to point at when one is named as a predecessor.
    const waitsOn = new Map(pending.map((p) => [p.id, holdersOf(p)]));
    return { ...judgeReenrollments(pending, holders, window, this.quiet()), holders, waitsOn };
  }

  /**
   * The named predecessors' pairs, judged exactly as judge() judges them among every pending
   * endpoint, from what the rules look at for them alone: the pending endpoints whose claims
   * name one of them (the claims' index), and each one's row, strong identifiers and blocked or
   * denied twins (primary keys, identifier_bindings, the identifier and claims' indexes). Every
   * rival of a named predecessor waits on it, so it is among those read, and a newcomer is
   * judged only against the one endpoint its claims name: nothing outside them changes a named
   * pair's verdict. `holders` holds the named endpoints that exist; `waitsOn`, what each named
   * one waits on itself when it is pending (a newcomer named by mistake).
   */
  async judgeNamed(
    window: ReenrollmentWindow,
    predecessorIds: readonly string[],
  ): Promise<ReenrollmentJudgement & { holders: Map<string, HoldingEndpoint>; waitsOn: Map<string, string[]> }> {
    const named = [...new Set(predecessorIds)];
    const { holders: existing, rivals: pending } = await this.store.reenrollments.predecessorsAndRivals(named);
    // As in judge(): only the endpoints some pending endpoint waits on (the others no preview lists).
    const waitedOn = new Set(pending.flatMap(holdersOf));
    const holders = new Map([...existing].filter(([id]) => waitedOn.has(id)));
    const waitsOn = new Map<string, string[]>();
    for (const [id, endpoint] of await this.store.reenrollments.claimants(named.filter((id) => !waitedOn.has(id))))
      if (endpoint.approval === 'pending') waitsOn.set(id, holdersOf(endpoint));
    return { ...judgeReenrollments(pending, holders, window, this.quiet()), holders, waitsOn };
  }

  /**
   * These pending newcomers (all enrolled inside the window) judged exactly as judge() judges
   * them among every pending endpoint, from what their verdicts read: the one endpoint each
   * names when it names one (its row, strong identifiers and twins, as judgeNamed reads them)
   * and every pending endpoint naming that one (its rivals, inside the window or not), read
   * through the page's `reads` (once a page each). A newcomer naming none or several is skipped
   * on its own claims alone.
   */
  private async judgeNewcomers(
    window: ReenrollmentWindow,
    newcomers: PendingClaimant[],
    quiet: ReenrollmentQuiet,
    reads: PredecessorReads,
  ): Promise<ReenrollmentJudgement> {
    const predecessors = newcomers.flatMap((n) => {
      const heldBy = holdersOf(n);
      return heldBy.length === 1 ? heldBy : [];
    });
    const { holders, rivals } = await reads.of(predecessors);
    // The newcomers as just read over their copies among the rivals (read earlier in the page).
    const pending = new Map([...rivals, ...newcomers].map((p) => [p.id, p]));
    return judgeEach(newcomers, holders, rivalCounts(pending.values()), window, quiet);
  }

  /**
   * A page of the window's candidates. The first (no `after`) judges every pending endpoint,
   * for the counts and the skipped list; a later one judges only the newcomers after `after`,
   * a batch at a time, until it has one candidate past the page (or the window ends): its cost
   * follows the page, not the pending set, and it lists exactly what the first page's
   * judgement would list there. A later page carries no counts (null): they need every
   * pending endpoint judged, and the first page has them.
   */
  async preview(window: ReenrollmentWindow, page: { limit: number; after?: KeysetPosition<string> }): Promise<ReenrollmentPreview> {
    if (!page.after) return this.firstPage(window, page.limit);
    const found: Reenrollment[] = [];
    // One instant for the whole page, as the whole-set judgement has.
    const quiet = this.quiet();
    const reads = new PredecessorReads(this.store.reenrollments);
    // One past the page first; twice as many each time skipped newcomers leave it short.
    for (let after = page.after, batch = Math.min(PREVIEW_BATCH, page.limit + 1); found.length <= page.limit;) {
      const newcomers = await this.store.reenrollments.pendingAfter(window, after, batch);
      for (let i = 0; i < newcomers.length; i += JUDGED_TOGETHER)
        found.push(...(await this.judgeNewcomers(window, newcomers.slice(i, i + JUDGED_TOGETHER), quiet, reads)).candidates);
      const last = newcomers[newcomers.length - 1];
      if (!last || newcomers.length < batch) break;
      after = { at: last.enrolledAt, id: last.id };
      batch = Math.min(PREVIEW_BATCH, batch * 2);
    }
    const shown = found.slice(0, page.limit);
    const last = shown[shown.length - 1];
    return {
      candidates: shown,
      candidateCount: null,
      skipped: [],
      skippedCount: null,
      skippedByReason: null,
      next: found.length > page.limit && last ? { at: last.newcomer.enrolledAt, id: last.newcomer.id } : null,
    };
  }

  private async firstPage(window: ReenrollmentWindow, limit: number): Promise<ReenrollmentPreview> {
    const { candidates, skipped } = await this.judge(window);
    const shown = candidates.slice(0, limit);
    const last = shown[shown.length - 1];
    const skippedByReason: Partial<Record<SkipReason, number>> = {};
    for (const s of skipped) skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
    return {
      candidates: shown,
      candidateCount: candidates.length,
      skipped: skipped.slice(0, limit),
      skippedCount: skipped.length,
      skippedByReason,
      next: candidates.length > limit && last ? { at: last.newcomer.enrolledAt, id: last.newcomer.id } : null,
    };
  }

  /**
   * Releases the named predecessors, each a candidate of the window now (else nothing is
   * released: 400 for ids that are no endpoint or no predecessor, 409 REENROLLMENTS_CHANGED
   * for those the preview showed that no longer qualify, or, with `newcomerIds`, whose
   * newcomer is no longer the one the preview showed). Each pair is judged once more inside
   * the transaction that releases it; one that stopped qualifying meanwhile is left alone and
   * reported. Past the call's time budget the rest are left for the next call (`unreached`).
   */
  async release(
    window: ReenrollmentWindow,
    predecessorIds: string[],
    actor: AdminActor,
    newcomerIds?: string[],
  ): Promise<ReenrollmentRelease> {
    if (predecessorIds.length > MAX_RELEASES_PER_CALL)
      throw badRequest('TOO_MANY_ENDPOINTS', `at most ${MAX_RELEASES_PER_CALL} predecessors per call`, 'predecessorIds');
    if (newcomerIds !== undefined && newcomerIds.length !== predecessorIds.length)
      throw badRequest('INVALID_REQUEST', 'newcomerIds: one per predecessorId, in the same order', 'newcomerIds');
    const started = this.clock();
    // Only the named pairs: a call's cost follows the pairs it names, not the pending set.
    const judged = await this.judgeNamed(window, predecessorIds);
    const byPredecessor = new Map(judged.candidates.map((c) => [c.predecessor.id, c]));
    const named = new Set(predecessorIds);
    const missing = predecessorIds.filter((id) => !byPredecessor.has(id));
    if (missing.length > 0) await this.refuse(missing, judged);
    // The preview showed another newcomer for it (the one shown was forgotten or denied, and
    // another endpoint took its place): the admin never saw this pair.
    const swapped = (newcomerIds ?? []).flatMap((expected, i) => {
      const id = predecessorIds[i] as string;
      const actual = byPredecessor.get(id)?.newcomer.id;
      return actual === expected ? [] : [`${id}: its newcomer is now ${actual ?? 'none'}, not ${expected}`];
    });
    if (swapped.length > 0) throw changed(swapped);

    const result: ReenrollmentRelease = { released: [], notReleased: [], unreached: [] };
    let busy = false;
    for (const candidate of judged.candidates.filter((c) => named.has(c.predecessor.id))) {
      const predecessorId = candidate.predecessor.id;
      // At least one per call, so a client that sends the rest again always gets through.
      if (busy || (result.released.length + result.notReleased.length > 0 && this.clock() - started >= this.budgetMs)) {
        result.unreached.push(predecessorId);
        continue;
      }
      try {
        const attempt = () =>
          this.endpoints.release(predecessorId, actor, {
            guard: (tx) => stillQualifies(tx, candidate, this.quiet()),
            accept: (release) => freedOnlyTheNewcomer(release, candidate),
          });
        // PostgreSQL rolled the pair back for a deadlock (a batch of reports holding the newcomer
        // and wanting the old key's row): judged once more, not a failed call with releases before it.
        const done = await retryDeadlock(attempt, 2);
        result.released.push({ predecessorId, newcomerId: candidate.newcomer.id, ...done });
      } catch (error) {
        if (error instanceof StoppedQualifying) {
          result.notReleased.push({ predecessorId, reason: error.reason, detail: error.detail });
          continue;
        }
        // The database stayed busy past its lock timeout (another release under way for long, its
        // pair rolled back): what this call released stands and is answered, the rest is left for
        // the next call. Before any release, the busy error itself is the answer (503, retry).
        if (dbFaultKind(error) === 'busy' && result.released.length + result.notReleased.length > 0) {
          busy = true;
          result.unreached.push(predecessorId);
          continue;
        }
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
  private async refuse(
    ids: string[],
    judged: ReenrollmentJudgement & { holders: ReadonlyMap<string, HoldingEndpoint>; waitsOn: ReadonlyMap<string, string[]> },
  ): Promise<never> {
    const waitedOn = judged.holders;
    const found = await this.store.reenrollments.holders(ids.filter((id) => !waitedOn.has(id)));
    const unknown = ids.filter((id) => !waitedOn.has(id) && !found.has(id));
    if (unknown.length > 0)
      throw badRequest('UNKNOWN_ENDPOINT', `no endpoint has the id ${list(unknown)}; nothing was released`, 'predecessorIds');
    // Waited on by no pending endpoint and never released: no preview could have listed it.
    const never = ids.filter((id) => !waitedOn.has(id) && found.get(id)?.releasedAt === null);
    // The likeliest slip: the new endpoint's id, copied from the pending list, for the old one's.
    const newcomers = never.filter((id) => (judged.waitsOn.get(id) ?? []).length > 0);
    if (newcomers.length > 0)
      throw badRequest(
        'NOT_A_PREDECESSOR',
        `${list(
          newcomers.map(
            (id) => `${id} is the re-enrolled endpoint; release the one it waits on: ${(judged.waitsOn.get(id) ?? []).join(' or ')}`,
          ),
          '; ',
        )}; nothing was released`,
        'predecessorIds',
      );
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
    throw changed(why);
  }
}

/** A pair that stopped qualifying between the call's judgement and its release: nothing was changed. */
class StoppedQualifying extends Error {
  constructor(
    readonly reason: SkipReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * The pair judged again inside the transaction that releases the predecessor, from rows read
 * (and, on PostgreSQL, locked) there: a report of the old key, a second newcomer or an admin's
 * change that came after the call's judgement stops this release instead of racing it.
 */
async function stillQualifies(tx: Store, candidate: Reenrollment, quiet: ReenrollmentQuiet): Promise<void> {
  const { predecessor, newcomer, waiting } = await tx.reenrollments.pairForRelease(candidate.predecessor.id, candidate.newcomer.id);
  if (!newcomer) throw new StoppedQualifying('newcomer-blocked', `${candidate.newcomer.id} was forgotten`);
  const others = waiting.filter((id) => id !== newcomer.id);
  // The release would approve whichever waiting endpoint enrolled first: only the one judged may wait.
  if (others.length > 0)
    throw new StoppedQualifying('several-newcomers', `${others.join(', ')} also claims what ${candidate.predecessor.id} holds now`);
  const verdict = judgeReenrollment(newcomer, predecessor, waiting.length, quiet);
  if ('reason' in verdict) throw new StoppedQualifying(verdict.reason, verdict.detail);
}

/**
 * The release itself approves whichever endpoints wait on the predecessor when it runs. On
 * PostgreSQL (read committed) an endpoint whose report claims the predecessor's identifiers
 * and commits after stillQualifies read who waits is among them, and, enrolled earlier than
 * the newcomer, it would be approved with the device's identifiers: anything but the judged
 * newcomer freed alone rolls the release back.
 */
function freedOnlyTheNewcomer(release: BindingRelease, candidate: Reenrollment): void {
  const others = [...release.freed, ...release.stillPending].filter((id) => id !== candidate.newcomer.id);
  if (others.length > 0)
    throw new StoppedQualifying('several-newcomers', `${others.join(', ')} also claims what ${candidate.predecessor.id} holds now`);
  if (!release.freed.includes(candidate.newcomer.id))
    throw new StoppedQualifying('partial-overlap', `${candidate.newcomer.id} claims identifiers another endpoint holds now`);
}

const changed = (why: string[]): AppError =>
  conflict(
    'REENROLLMENTS_CHANGED',
    `${why.length === 1 ? '1 named predecessor no longer qualifies' : `${why.length} named predecessors no longer qualify`} since the preview; nothing was released; preview again. ${list(why, '; ')}`,
  );

/** At most ten items, then how many more. */
function list(items: string[], separator = ', '): string {
  const shown = items.slice(0, 10).join(separator);
  return items.length > 10 ? `${shown} and ${items.length - 10} more` : shown;
}

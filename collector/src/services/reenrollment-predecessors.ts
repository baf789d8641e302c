import type { HoldingEndpoint, PendingClaimant } from '../domain/reenrollment.js';
import { holdersOf } from '../match/reenrollment.js';
import type { ReenrollmentsRepo } from '../store/repos/reenrollments.js';

/**
 * What one later preview page has read of the predecessors its newcomers name: each one's row,
 * strong identifiers and twins, and its rivals (every pending endpoint naming it), read the
 * first time a batch of the page names it and kept for the rest of the page. A page walks its
 * newcomers in batches; behind thousands of clones of one device every batch names the same
 * predecessor, and reading its rivals again for each batch made a page read them a dozen times
 * (342,050 rows behind 6,000 clones, docs/performance.md). One page, one instance: the next page
 * reads afresh, as a page reads the newcomers themselves fresh.
 */
export class PredecessorReads {
  /** Absent: not read yet; null: read, no such endpoint. */
  private readonly holders = new Map<string, HoldingEndpoint | null>();
  private readonly rivals = new Map<string, PendingClaimant[]>();

  constructor(private readonly repo: ReenrollmentsRepo) {}

  /** These predecessors (those that exist) and every pending endpoint naming any of them, each read once per page. */
  async of(ids: readonly string[]): Promise<{ holders: Map<string, HoldingEndpoint>; rivals: PendingClaimant[] }> {
    const unread = [...new Set(ids)].filter((id) => !this.rivals.has(id));
    if (unread.length > 0) {
      const wanted = new Set(unread);
      for (const id of unread) this.rivals.set(id, []);
      const read = await this.repo.predecessorsAndRivals(unread);
      for (const claimant of read.rivals) for (const id of holdersOf(claimant)) if (wanted.has(id)) this.rivals.get(id)?.push(claimant);
      for (const id of unread) this.holders.set(id, read.holders.get(id) ?? null);
    }
    const holders = new Map<string, HoldingEndpoint>();
    const rivals = new Map<string, PendingClaimant>();
    for (const id of new Set(ids)) {
      const holder = this.holders.get(id);
      if (holder) holders.set(id, holder);
      // A claimant naming two of them is one rival of each, counted once.
      for (const rival of this.rivals.get(id) ?? []) rivals.set(rival.id, rival);
    }
    return { holders, rivals: [...rivals.values()] };
  }
}

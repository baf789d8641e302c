import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { isSqlite } from './dialect.js';

/**
 * Writes that can wait (a sync staging its next generation) yield to the store's other work
 * (decisions, reports, admin calls), which a user is waiting for.
 *
 * The store's pool tells how much else wants the database: every connection handed out is
 * asked for first (tarn's `acquireRequest`). When others ask at BUSY_PER_S or more (a moving
 * average), or someone waits for SQLite's writer when a background write is about to start,
 * the store is busy for BUSY_MS, and background work:
 * - on SQLite, whose one connection runs every write in turn, starts only once the writer is
 *   free and nobody waits for it (for at most MAX_YIELD_MS, so it is never starved), and cuts
 *   its work in smaller parts (`busy`), so a decision's write waits for a short part at most;
 * - on both databases, when paced (a sync staging or deleting a generation), leaves PACE_FACTOR
 *   times as much time between two writes as the first took, so the sync has at most a
 *   quarter of the time: the collector, the database and the clients share the machine's
 *   cores, and a sync writing half the time still took the cycles the decisions needed (a
 *   million devices synced beside 5,000 decisions, their p99 75 ms on SQLite and 292 ms on
 *   PostgreSQL: docs/performance.md, "Sync speed and memory", sixth round).
 * With nothing else running it goes flat out, in parts as large as the database takes well.
 */

/**
 * Others' requests for a connection per second from which the store counts as busy: a
 * decision asks for about 3 on SQLite (its writes; reads have their own connection) and 7 on
 * PostgreSQL, so from about 17 and 7 decisions a second (and on SQLite whenever a write waits
 * for the writer); a sync's own progress and lease (2–3 a second) and an admin polling its
 * progress a few times a second are not.
 */
const BUSY_PER_S = 50;
/** Others' rate is a moving average over about this long: long enough to smooth a poll's burst. */
const AVERAGE_MS = 500;
/** How long the store stays busy after the rate was last that high. */
const BUSY_MS = 1_000;
/** The longest a background write waits for SQLite's writer to be free, then queues as everyone does. */
const MAX_YIELD_MS = 50;
/**
 * The pause between two paced writes while busy is this many times as long as the first took:
 * the sync writes at most 1 / (1 + PACE_FACTOR) of the time while users wait for the store.
 */
export const PACE_FACTOR = 3;
/**
 * …and no longer than this, so a slow write (a checkpoint's fsync, a loaded disk) does not stop
 * the sync for seconds: a million devices still sync in minutes beside a steady load.
 */
const MAX_PAUSE_MS = 250;

interface TarnPool {
  numUsed(): number;
  numPendingAcquires(): number;
  on(event: 'acquireRequest' | 'release', listener: () => void): void;
}

const byPool = new WeakMap<TarnPool, BackgroundWrites>();

export class BackgroundWrites {
  /** Others' requests for a connection, decayed over AVERAGE_MS (their rate times AVERAGE_MS), as of `at`. */
  private recent = 0;
  private at = performance.now();
  private busyUntil = 0;
  /** When the last paced write ended, and how long it took. */
  private lastEnded = 0;
  private lastMs = 0;
  private readonly released = new Set<() => void>();

  private constructor(
    private readonly pool: TarnPool,
    private readonly oneWriter: boolean,
  ) {
    pool.on('acquireRequest', () => this.count(1));
    pool.on('release', () => {
      for (const wake of [...this.released]) wake();
    });
  }

  /**
   * The background writes of `db`'s database (one per pool: a pool knex makes anew after a
   * destroy gets its own), or null inside a transaction, which already holds its connection.
   */
  static of(db: Knex): BackgroundWrites | null {
    if ((db as { isTransaction?: boolean }).isTransaction) return null;
    const pool = (db.client as { pool?: TarnPool }).pool;
    if (!pool) return null;
    let writes = byPool.get(pool);
    if (!writes) byPool.set(pool, (writes = new BackgroundWrites(pool, isSqlite(db))));
    return writes;
  }

  /** Whether other work kept the database busy lately: background work then goes in small parts. */
  get busy(): boolean {
    return Date.now() < this.busyUntil;
  }

  /**
   * Runs `work`, one background write that asks for exactly one connection (a statement, or
   * a transaction). While the store is busy it starts only after SQLite's writer is free, and,
   * with `paced`, no sooner after the previous paced write ended than `pauseAfter` says: the
   * pause falls between two writes of a sync, never after its last (its run ends at once).
   */
  async run<T>(work: () => Promise<T>, options: { paced?: boolean } = {}): Promise<T> {
    // Someone waits for SQLite's writer right now: busy at once, whatever the average says. (Not
    // someone holding it: an admin polling a sync's progress would then keep it busy throughout.)
    if (this.oneWriter && this.pool.numPendingAcquires() > 0) this.busyUntil = Date.now() + BUSY_MS;
    if (options.paced && this.busy) await pause(this.lastEnded + pauseAfter(this.lastMs) - Date.now());
    if (this.oneWriter && this.busy) await this.writerFree();
    // Its own request is counted by the pool as anyone's: taken back here.
    this.count(-1);
    const started = Date.now();
    const result = await work();
    if (options.paced) {
      this.lastEnded = Date.now();
      this.lastMs = this.lastEnded - started;
    }
    return result;
  }

  /** Adds `n` requests to the moving count of others' requests, and marks the store busy when their rate is high. */
  private count(n: number): void {
    const now = performance.now();
    this.recent = this.recent * Math.exp(-(now - this.at) / AVERAGE_MS) + n;
    this.at = now;
    if (this.recent >= (BUSY_PER_S * AVERAGE_MS) / 1000) this.busyUntil = Date.now() + BUSY_MS;
  }

  private writerTaken(): boolean {
    return this.pool.numUsed() > 0 || this.pool.numPendingAcquires() > 0;
  }

  /** Waits until SQLite's one connection is free and nobody waits for it, or MAX_YIELD_MS passed. */
  private async writerFree(): Promise<void> {
    const deadline = Date.now() + MAX_YIELD_MS;
    while (this.writerTaken() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.released.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.released.add(wake);
      });
      // The release hands the connection to whoever waited, in the same tick: look after it.
      await pause(0);
    }
  }
}

/** How long a paced write waits after the previous one ended, when that one took `lastMs`, while the store is busy. */
export function pauseAfter(lastMs: number): number {
  return Math.min(lastMs * PACE_FACTOR, MAX_PAUSE_MS);
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

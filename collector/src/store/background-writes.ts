import type { Knex } from 'knex';
import { isSqlite } from './dialect.js';

/**
 * Writes that can wait (a sync staging its next generation) yield to the store's other work
 * (decisions, reports, admin calls), which a user is waiting for.
 *
 * The store's pool tells how much else wants the database: every connection handed out is
 * asked for first (tarn's `acquireRequest`). When others asked at BUSY_PER_S or more over the
 * last window (a sync's own bookkeeping and an admin polling its progress stay well below),
 * the store is busy for BUSY_MS, and background work:
 * - on SQLite, whose one connection runs every write in turn, starts only once the writer is
 *   free and nobody waits for it (for at most MAX_YIELD_MS, so it is never starved), and cuts
 *   its work in smaller parts (`busy`), so a decision's write waits for a short part at most;
 * - on both databases, when paced (a sync's staging), leaves as much time between two writes
 *   as the first took: the collector, the database and the clients share the machine's
 *   cores, and a sync running flat out takes the cycles the decisions need
 *   (docs/performance.md, "Sync speed and memory").
 * With nothing else running it goes flat out, in parts as large as the database takes well.
 */

/**
 * Others' requests for a connection per second from which the store counts as busy: a
 * decision asks for 3 (SQLite's writes) to 8 (PostgreSQL), so 10 decisions a second are busy; a
 * sync's own progress and lease (2–3 a second) and an admin polling its progress a few times a
 * second are not.
 */
const BUSY_PER_S = 50;
/** How often the rate is taken, at the end of a background write: long enough to average a poll's burst. */
const WINDOW_MS = 500;
/** How long the store stays busy after the rate was last that high. */
const BUSY_MS = 1_000;
/** The longest a background write waits for SQLite's writer to be free, then queues as everyone does. */
const MAX_YIELD_MS = 50;
/** The pause between two paced writes while busy is as long as the first took, and no longer than this. */
const MAX_PAUSE_MS = 25;

interface TarnPool {
  numUsed(): number;
  numPendingAcquires(): number;
  on(event: 'acquireRequest' | 'release', listener: () => void): void;
}

export class BackgroundWrites {
  /** Connections asked for, by anyone; and of them, by background writes. */
  private requests = 0;
  private own = 0;
  private window = { at: Date.now(), others: 0 };
  private busyUntil = 0;
  /** When the last paced write ended, and how long it took. */
  private lastEnded = 0;
  private lastMs = 0;
  private readonly released = new Set<() => void>();

  private constructor(
    private readonly pool: TarnPool,
    private readonly oneWriter: boolean,
  ) {
    pool.on('acquireRequest', () => void this.requests++);
    pool.on('release', () => {
      for (const wake of [...this.released]) wake();
    });
  }

  /** The background writes of `db`'s database (one per pool), or null inside a transaction, which already holds its connection. */
  static of(db: Knex): BackgroundWrites | null {
    if ((db as { isTransaction?: boolean }).isTransaction) return null;
    const client = db.client as { pool?: TarnPool; config: { devtrustBackgroundWrites?: BackgroundWrites } };
    if (!client.pool) return null;
    client.config.devtrustBackgroundWrites ??= new BackgroundWrites(client.pool, isSqlite(db));
    return client.config.devtrustBackgroundWrites;
  }

  /** Whether other work kept the database busy lately: background work then goes in small parts. */
  get busy(): boolean {
    return Date.now() < this.busyUntil;
  }

  /**
   * Runs `work`, one background write that asks for exactly one connection (a statement, or
   * a transaction). While the store is busy it starts only after SQLite's writer is free, and,
   * with `paced`, no sooner after the previous paced write ended than that one took: the
   * pause falls between two writes of a sync, never after its last (its run ends at once).
   */
  async run<T>(work: () => Promise<T>, options: { paced?: boolean } = {}): Promise<T> {
    if (options.paced && this.busy) await pause(this.lastEnded + Math.min(this.lastMs, MAX_PAUSE_MS) - Date.now());
    if (this.oneWriter && this.busy) await this.writerFree();
    this.own++;
    const started = Date.now();
    const result = await work();
    if (options.paced) {
      this.lastEnded = Date.now();
      this.lastMs = this.lastEnded - started;
    }
    this.measure();
    return result;
  }

  /** Takes others' rate of requests over the window that ends now. */
  private measure(): void {
    const now = Date.now();
    const elapsed = now - this.window.at;
    if (elapsed < WINDOW_MS) return;
    const others = this.requests - this.own;
    if (((others - this.window.others) * 1000) / elapsed >= BUSY_PER_S) this.busyUntil = now + BUSY_MS;
    this.window = { at: now, others };
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

const pause = (ms: number): Promise<void> => new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

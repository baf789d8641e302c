import type { Knex } from 'knex';

interface Pending {
  work(db: Knex): Promise<unknown>;
  /** The work is one statement: alone, it needs no transaction (SQLite commits it by itself). */
  oneStatement: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for small writes on SQLite: its one connection runs every write in turn, and
 * each commit waits for an fsync (synchronous = FULL). Writes that arrive while a commit is in
 * progress share the next transaction. Each resolves only once its transaction is on disk.
 * On PostgreSQL writes go straight through: the pool runs them in parallel.
 *
 * A write that fails rolls back its transaction; it alone is rejected, and the others of its
 * batch, none of whose writes were kept, are tried again first. (Savepoints around every write
 * would cost two statements and a nested knex transaction each, every time, for a failure that
 * hardly ever happens.)
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly db: Knex,
    private readonly enabled: boolean,
    private readonly maxBatch = 100,
  ) {}

  /** `oneStatement`: the work runs a single statement (then, alone, it is not wrapped in BEGIN … COMMIT). */
  run<T>(work: (db: Knex) => Promise<T>, options: { oneStatement?: boolean } = {}): Promise<T> {
    if (!this.enabled) return options.oneStatement ? work(this.db) : this.db.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, oneStatement: options.oneStatement ?? false, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        const only = batch.length === 1 ? batch[0] : undefined;
        if (only) {
          await (only.oneStatement ? only.work(this.db) : this.db.transaction((trx) => only.work(trx))).then(only.resolve, only.reject);
          continue;
        }
        let failed: { index: number; error: unknown } | null = null;
        let values: unknown[];
        try {
          values = await this.db.transaction(async (trx) => {
            const out: unknown[] = [];
            for (const [index, item] of batch.entries()) {
              try {
                out.push(await item.work(trx));
              } catch (error) {
                failed = { index, error };
                throw error;
              }
            }
            return out;
          });
        } catch (error) {
          const failure = failed as { index: number; error: unknown } | null;
          if (failure === null) {
            // BEGIN or COMMIT failed: nothing of the batch is stored.
            for (const item of batch) item.reject(error);
          } else {
            batch[failure.index]?.reject(failure.error);
            this.queue.unshift(...batch.filter((_, i) => i !== failure.index));
          }
          continue;
        }
        batch.forEach((item, i) => item.resolve(values[i]));
      }
    } finally {
      this.running = false;
    }
  }
}

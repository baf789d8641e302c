import type { Knex } from 'knex';

interface Pending {
  work(trx: Knex.Transaction): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for small writes on SQLite: its one connection runs every write in turn, and
 * each commit waits for an fsync (synchronous = FULL). Writes that arrive while a commit is
 * in progress share the next transaction, each in its own savepoint, so one that fails rolls
 * back alone and the others still commit. Each resolves only once its transaction is on disk.
 * On PostgreSQL writes go straight through: the pool runs them in parallel.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly db: Knex,
    private readonly enabled: boolean,
    private readonly maxBatch = 100,
  ) {}

  run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    if (!this.enabled) return this.db.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let outcomes: { ok: boolean; value: unknown }[];
        const only = batch.length === 1 ? batch[0] : undefined;
        if (only) {
          // Alone, a write needs no savepoint: its failure rolls back the transaction it is alone in
          // (two statements fewer, the usual case below a few hundred writes a second).
          await this.db.transaction((trx) => only.work(trx)).then(only.resolve, only.reject);
          continue;
        }
        try {
          outcomes = await this.db.transaction(async (trx) => {
            const out: { ok: boolean; value: unknown }[] = [];
            for (const item of batch) {
              try {
                out.push({ ok: true, value: await trx.transaction((savepoint) => item.work(savepoint)) });
              } catch (error) {
                out.push({ ok: false, value: error });
              }
            }
            return out;
          });
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        }
        batch.forEach((item, i) => {
          const outcome = outcomes[i] as { ok: boolean; value: unknown };
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.value);
        });
      }
    } finally {
      this.running = false;
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { DATABASES, freshPostgresDatabase } from '../../../../test/support/postgres.js';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import type { StartOptions } from '@devtrust/collector/server';

export { DATABASES };

/** A real collector on SQLite or on a fresh PostgreSQL database; `stop` drops the database too. */
export async function collectorOn(db: 'sqlite' | 'postgres', options: StartOptions = {}): Promise<TestCollector> {
  if (db === 'sqlite') return startTestCollector({ scheduler: false, ...options });
  const pg = await freshPostgresDatabase();
  const c = await startTestCollector({ scheduler: false, databaseUrl: pg.url, ...options });
  return {
    ...c,
    stop: async (opts) => {
      await c.stop(opts);
      // Right after a large load autovacuum may still work in the database, and only a
      // superuser may end it: the drop is retried until it finishes.
      for (let attempt = 1; ; attempt++) {
        try {
          await pg.drop();
          return;
        } catch (error) {
          if (attempt >= 15) throw error;
          await sleep(2_000);
        }
      }
    },
  };
}

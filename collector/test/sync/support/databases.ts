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
      await pg.drop();
    },
  };
}

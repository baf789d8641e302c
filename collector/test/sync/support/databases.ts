import { DATABASES, freshPostgresDatabase } from '../../../../test/support/postgres.js';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';

export { DATABASES };

/** A real collector on SQLite or on a fresh PostgreSQL database; `stop` drops the database too. */
export async function collectorOn(
  db: 'sqlite' | 'postgres',
  options: Omit<NonNullable<Parameters<typeof startTestCollector>[0]>, 'databaseUrl'> = {},
): Promise<TestCollector> {
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

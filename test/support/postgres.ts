import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';

/**
 * PostgreSQL for tests: DEVTRUST_TEST_DATABASE_URL names a server (.ci/run starts one).
 * Each call makes a fresh database on it, so suites never see each other's rows.
 * Without the variable, PostgreSQL variants are skipped with the reason.
 */
export const POSTGRES_URL = process.env.DEVTRUST_TEST_DATABASE_URL ?? null;
export const POSTGRES_SKIP = POSTGRES_URL ? false : 'DEVTRUST_TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL and sets it)';

/**
 * `template`: the name of a database on the same server to copy (no one may be connected to it),
 * instead of the server's empty template.
 */
export async function freshPostgresDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  // Read at each call: the bench sets the variable once it has started its own cluster.
  const server = process.env.DEVTRUST_TEST_DATABASE_URL ?? POSTGRES_URL;
  if (!server) throw new Error(String(POSTGRES_SKIP));
  const name = `devtrust_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
  await admin.raw(template ? `create database ${name} template ${template}` : `create database ${name}`);
  await admin.destroy();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
      try {
        // Autovacuum may still be working in the database after a test's writes, and only a
        // superuser may end it (`with (force)` cannot): retry until it has finished.
        for (let attempt = 1; ; attempt++) {
          try {
            await cleanup.raw(`drop database if exists ${name} with (force)`);
            return;
          } catch (error) {
            if (attempt >= 15) throw error;
            await new Promise((resolve) => setTimeout(resolve, 2_000));
          }
        }
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

/** The databases a storage test runs against: SQLite always, PostgreSQL when available. */
export const DATABASES: { name: 'sqlite' | 'postgres'; skip: string | false }[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: POSTGRES_SKIP },
];

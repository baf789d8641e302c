import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';

/** The advisory lock's key: one per database (advisory locks are scoped to the database). */
const MIGRATIONS_LOCK = 'devtrust-migrations';

/**
 * Runs `migrate` while no other collector migrates the same PostgreSQL database. Nodes brought
 * up together (a new deployment, or every node of an upgrade at once) raced in knex's migrator:
 * on a new database each created knex's own tables (and all but one failed to start on
 * "relation already exists"); on an existing one, whoever found knex's lock row taken failed
 * with "Migration table is already locked" instead of waiting. Here the others wait, on a
 * session lock held by a connection of its own, then find nothing left to migrate. A node
 * that dies while migrating ends its session and so its lock. SQLite: one process per file.
 */
export async function oneMigratorAtATime<T>(knex: Knex, log: Logger | undefined, migrate: () => Promise<T>): Promise<T> {
  if (knex.client.dialect !== 'postgresql') return migrate();
  // The pool's own settings (connect timeout, keep-alive; the password is a hidden property
  // there, so the object is passed as it is). No statement timeout here: a migration that
  // rewrites a table may take minutes, and waiting for it is the point.
  const client = new pg.Client((knex.client as { connectionSettings: pg.ClientConfig }).connectionSettings);
  client.on('error', () => undefined); // a lost session ends the lock; the migration's own connection says what failed
  await client.connect();
  try {
    const [{ locked }] = (await client.query('select pg_try_advisory_lock(hashtext($1)) as locked', [MIGRATIONS_LOCK])).rows as [
      { locked: boolean },
    ];
    if (!locked) {
      log?.info('another collector is migrating this database; waiting for it');
      await client.query('select pg_advisory_lock(hashtext($1))', [MIGRATIONS_LOCK]);
    }
    return await migrate();
  } finally {
    await client.end().catch(() => undefined);
  }
}

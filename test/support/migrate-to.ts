import type { Knex } from 'knex';
import { migrationSource } from '@devtrust/collector/store/migrations/index';

/** Migrates `knex` one migration at a time until `last` is the newest applied: the schema of an older release, for upgrade tests. */
export async function migrateTo(knex: Knex, last: string): Promise<void> {
  const newest = async () => ((await knex.migrate.list({ migrationSource })) as [{ name: string }[], unknown[]])[0].at(-1)?.name;
  while ((await newest()) !== last) await knex.migrate.up({ migrationSource });
}

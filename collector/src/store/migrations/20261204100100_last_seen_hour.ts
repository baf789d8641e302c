import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';

// Frozen. The lastSeen listing pages by the hour an endpoint was last seen
// (last_seen_hour = last_seen_at rounded down to the hour), not by last_seen_at, which every
// report changes: on PostgreSQL an update that changes no indexed column is heap-only (HOT)
// and writes no index entry, where one that does writes a new entry into every index of the
// table. A report changes last_seen_hour once an hour per endpoint (docs/performance.md,
// "Reports per second", fourth round).
const HOUR_MS = 3_600_000;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('endpoints', (t) => t.bigInteger('last_seen_hour').notNullable().defaultTo(0));
  await knex.raw(`update endpoints set last_seen_hour = last_seen_at - last_seen_at % ${HOUR_MS}`);
  await knex.schema.alterTable('endpoints', (t) => {
    t.dropIndex(['last_seen_at', 'id'], 'endpoints_last_seen_page');
    t.index(['last_seen_hour', 'id'], 'endpoints_last_seen_hour_page');
  });
  // Room on each page for a row's next version, so a HOT update finds space beside it (the
  // history ring has 70: its rows are larger). Pages written from now on; existing ones fill
  // as their rows move.
  if (!isSqlite(knex)) await knex.raw('alter table endpoints set (fillfactor = 80)');
}

export async function down(knex: Knex): Promise<void> {
  if (!isSqlite(knex)) await knex.raw('alter table endpoints reset (fillfactor)');
  await knex.schema.alterTable('endpoints', (t) => {
    t.dropIndex(['last_seen_hour', 'id'], 'endpoints_last_seen_hour_page');
    t.index(['last_seen_at', 'id'], 'endpoints_last_seen_page');
  });
  await knex.raw('alter table endpoints drop column last_seen_hour');
}

import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';

// Frozen. Report history becomes a ring of 20 slots per endpoint: the endpoint counts the
// reports it stored (reports_stored), and its k-th goes to slot k mod 20, overwriting in
// place (an upsert on the primary key) instead of appending a row and trimming the
// endpoint's oldest rows every tenth report. The trim was a third of a report batch's
// statement time on PostgreSQL (docs/performance.md, "Reports per second", third round).
// The history stays the last 20 stored reports per endpoint.
const HISTORY = 20;

export async function up(knex: Knex): Promise<void> {
  // SQLite: a rowid table, not WITHOUT ROWID: an overwrite then changes one row in place and
  // no index entry (the key does not change). In the key's own B-tree, rows of ~1 kB moved
  // between pages as their length changed: 20.9 kB written per report against 11.0.
  // PostgreSQL: room on each page for the overwritten row's next version, so updates stay
  // heap-only (HOT), with no new index entry, when the page has space.
  await knex.raw(`create table report_history (
    endpoint_id varchar(64) not null references endpoints(id) on delete cascade,
    slot smallint not null,
    seq bigint not null,
    received_at bigint not null,
    body text not null,
    primary key (endpoint_id, slot)
  )${isSqlite(knex) ? '' : ' with (fillfactor = 70)'}`);
  await knex.schema.alterTable('endpoints', (t) => t.bigInteger('reports_stored').notNullable().defaultTo(0));
  // Each endpoint's newest 20 kept, numbered oldest first from 1 (rank = kept - newest + 1);
  // the count is how many were kept, so the next report stored overwrites the oldest.
  await knex.raw(
    `insert into report_history (endpoint_id, slot, seq, received_at, body)
     select endpoint_id, (kept - newest + 1) % ${HISTORY}, seq, received_at, body from (
       select endpoint_id, seq, received_at, body,
              row_number() over (partition by endpoint_id order by id desc) as newest,
              case when count(*) over (partition by endpoint_id) < ${HISTORY} then count(*) over (partition by endpoint_id) else ${HISTORY} end as kept
       from reports) ranked
     where newest <= ${HISTORY}`,
  );
  await knex.raw(
    'update endpoints set reports_stored = (select count(*) from report_history where report_history.endpoint_id = endpoints.id)',
  );
  await knex.schema.dropTable('reports');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('reports', (t) => {
    t.increments('id').primary();
    t.string('endpoint_id', 64).notNullable().references('endpoints.id').onDelete('CASCADE');
    t.bigInteger('received_at').notNullable();
    t.bigInteger('seq').notNullable();
    t.text('body').notNullable();
    t.index(['endpoint_id', 'id']);
  });
  await knex.raw(
    'insert into reports (endpoint_id, received_at, seq, body) select endpoint_id, received_at, seq, body from report_history order by endpoint_id, seq',
  );
  await knex.schema.dropTable('report_history');
  await knex.schema.alterTable('endpoints', (t) => t.dropColumn('reports_stored'));
}

import type { Knex } from 'knex';

// Frozen. Report history is trimmed by row id per endpoint (row_number() over the
// (endpoint_id, id) index) and read newest first by id; nothing looks reports up by
// sequence number any more, and the index cost a page write per report stored and per
// history row trimmed (docs/performance.md, "Reports per second").
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => t.dropIndex(['endpoint_id', 'seq'], 'reports_endpoint_seq'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => t.index(['endpoint_id', 'seq'], 'reports_endpoint_seq'));
}

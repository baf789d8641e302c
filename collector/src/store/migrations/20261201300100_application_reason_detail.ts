import type { Knex } from 'knex';

// Frozen. How much of a verdict's reasons an application (its ID tokens, the transaction API)
// and its users (the denial page) see: "summary" (a short reason and a reference) or "full".
// Every application, existing ones included, starts at "summary": integration names, serial
// numbers and disabled integrations stay with admins unless an admin opts an application in.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.string('reason_detail', 16).notNullable().defaultTo('summary');
  });
  // The reference an application or user quotes is the transaction id: admins look it up in
  // the auth log (?reference=), which holds 90 days of sign-ins.
  await knex.schema.alterTable('auth_log', (t) => {
    t.index(['transaction_id'], 'auth_log_transaction_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('auth_log', (t) => t.dropIndex(['transaction_id'], 'auth_log_transaction_id'));
  await knex.schema.alterTable('applications', (t) => t.dropColumn('reason_detail'));
}

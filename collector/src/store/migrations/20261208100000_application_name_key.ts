import type { Knex } from 'knex';

// Frozen. Two applications may not have names that read the same (domain/application-name.ts):
// users are shown only the name. The key (a SHA-256 of what the name reads as) is held under a
// unique index, so two admins creating look-alikes at once cannot both succeed.
//
// The keys are not computed here: a migration never imports application code, and the rule for
// what reads the same may grow. Store.open keys every application after migrating, each start
// (store/application-names.ts): the oldest of names that read the same gets the key, the later
// ones keep NULL (a unique index ignores NULLs on SQLite and PostgreSQL alike), so a database
// already holding look-alikes upgrades without failing, and the collector names them in a warning.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.string('name_key', 64);
  });
  await knex.schema.alterTable('applications', (t) => {
    t.unique(['name_key'], { indexName: 'applications_name_key' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => t.dropUnique(['name_key'], 'applications_name_key'));
  await knex.schema.alterTable('applications', (t) => t.dropColumn('name_key'));
}

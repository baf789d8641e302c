import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  // Everything the OIDC provider keeps between requests (sessions, interactions, codes,
  // grants, tokens) plus the prompt's own per-interaction records, one row per model
  // instance. Columns the adapter looks rows up by are real columns; the rest is JSON.
  await knex.schema.createTable('oidc_payloads', (t) => {
    t.string('model', 48).notNullable();
    t.string('id', 128).notNullable();
    t.text('payload').notNullable();
    t.string('grant_id', 128);
    t.string('uid', 128);
    t.string('user_code', 128);
    t.bigInteger('expires_at');
    t.bigInteger('consumed_at');
    t.primary(['model', 'id']);
    t.index(['grant_id']);
    t.index(['uid']);
    t.index(['user_code']);
    t.index(['expires_at']);
  });

  // The provider's signing keys (private parts sealed with the master key) and the keys
  // that sign its cookies. A key is published from creation and signs from activates_at,
  // so clients can learn a new key before tokens use it; older keys stay published until
  // pruned, so tokens signed before a rotation still verify against the JWKS.
  await knex.schema.createTable('oidc_keys', (t) => {
    t.string('kid', 64).primary();
    t.string('use', 8).notNullable();
    t.string('alg', 16).notNullable();
    t.text('public_jwk');
    t.text('private_sealed').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('activates_at').notNullable();
    t.index(['use', 'activates_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oidc_keys');
  await knex.schema.dropTable('oidc_payloads');
}

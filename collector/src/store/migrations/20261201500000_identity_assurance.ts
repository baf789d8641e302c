import type { Knex } from 'knex';

const SINGLE_IDENTIFIERS = [
  ['hardwareUuid', 'hardware_uuid'],
  ['serialNumber', 'serial_number'],
  ['machineGuid', 'machine_guid'],
] as const;

// Frozen: a migration never changes once released and never imports application code.
export async function up(knex: Knex): Promise<void> {
  // key_kind: where the agent says its device key lives (software, secure-enclave, tpm);
  // null for agents enrolled before key kinds, which are software. released_at: when an
  // administrator released the endpoint's hold on its identifiers (its key is retired).
  await knex.schema.alterTable('endpoints', (t) => {
    t.string('key_kind', 32);
    t.bigInteger('released_at');
  });
  // A P-256 public key (hardware-backed) is 87 base64url characters. SQLite does not enforce
  // VARCHAR lengths; PostgreSQL does. (knex's alter() would rebuild the SQLite table, and its
  // foreign keys with it, so only PostgreSQL's column is changed, in place.)
  if (knex.client.dialect === 'postgresql') await knex.raw('alter table endpoints alter column public_key type varchar(128)');

  // Which device key holds each hardware UUID, serial number and MachineGuid: the first
  // endpoint that reported it (and any an administrator approved since). A binding outlives
  // the holder's latest report, so a report that misses an identifier does not free it for
  // another key; only an administrator's release (or forgetting the endpoint) does.
  await knex.schema.createTable('identifier_bindings', (t) => {
    t.string('kind', 32).notNullable();
    t.string('value', 256).notNullable();
    t.string('endpoint_id', 64).notNullable().references('endpoints.id').onDelete('CASCADE');
    t.bigInteger('bound_at').notNullable();
    t.primary(['kind', 'value', 'endpoint_id']);
    t.index(['endpoint_id'], 'identifier_bindings_endpoint');
  });
  // Every endpoint that holds an identifier today (not pending, not denied) keeps holding it.
  for (const [kind, column] of SINGLE_IDENTIFIERS) {
    await knex('identifier_bindings').insert(
      knex('endpoints')
        .select(knex.raw('? as kind', [kind]), `${column} as value`, 'id as endpoint_id', 'enrolled_at as bound_at')
        .whereNotNull(column)
        .andWhere((w) => w.whereNull('approval').orWhere('approval', 'approved')),
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('identifier_bindings');
  await knex.schema.alterTable('endpoints', (t) => {
    t.dropColumn('released_at');
    t.dropColumn('key_kind');
  });
}

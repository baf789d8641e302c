import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
//
// The MAC addresses each endpoint reports, one row per endpoint and MAC, beside the JSON list
// endpoints.mac_addresses keeps: finding "the endpoints that report MAC X" (a claim check, a
// release judging its waiters) was a LIKE on that list, a scan of the whole endpoints table per
// MAC, inside the write transaction (docs/performance.md, "MAC claims"). Forgetting an endpoint
// drops its rows (the foreign key cascades).
//
// Triggers keep the rows equal to the list, in the statement that writes it: whoever writes it
// (a report, a restore, an admin's SQL) and with no statement more on any report path. They fire
// only where an INSERT or an UPDATE names mac_addresses and the list changed: the usual report's
// batched UPDATE leaves the column out (its identifiers are unchanged), so it never runs them. On
// PostgreSQL the function's statements each read what committed before them (the row's lock
// orders two writers of one endpoint), so a concurrent change of the same list is not missed.

/** Endpoints read per statement while filling the table. */
const ENDPOINTS_PER_BATCH = 1_000;
/** Rows per INSERT: two parameters each, well under SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 400;
/** endpoints.mac_addresses holds normalised identifiers: 12 hex digits today, never more than this. */
const MAC_LENGTH = 256;

/** The MACs a stored list names, each once; none for text that is not a list of strings. */
function macsIn(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  // Text PostgreSQL cannot hold (NUL) or the column cannot take names no MAC a report could match.
  return [
    ...new Set(list.filter((m): m is string => typeof m === 'string' && m !== '' && m.length <= MAC_LENGTH && !m.includes('\u0000'))),
  ];
}

/** The trigger bodies, run for the row written (`new`): what macsIn keeps, read from the list by the database's own JSON functions. */
const SQLITE_FOLLOW = `
  delete from endpoint_macs where endpoint_id = new.id
    and not exists (select 1 from json_each(new.mac_addresses) j where j.value = endpoint_macs.mac);
  insert or ignore into endpoint_macs (endpoint_id, mac)
    select new.id, j.value from json_each(new.mac_addresses) j where j.type = 'text' and length(j.value) between 1 and ${MAC_LENGTH};`;

const POSTGRES_FOLLOW = `
create function endpoint_macs_follow() returns trigger language plpgsql as $$
begin
  delete from endpoint_macs where endpoint_id = new.id
    and not exists (select 1 from jsonb_array_elements(new.mac_addresses::jsonb) j(v) where j.v #>> '{}' = endpoint_macs.mac);
  insert into endpoint_macs (endpoint_id, mac)
    select new.id, j.v #>> '{}' from jsonb_array_elements(new.mac_addresses::jsonb) j(v)
    where jsonb_typeof(j.v) = 'string' and length(j.v #>> '{}') between 1 and ${MAC_LENGTH}
    on conflict do nothing;
  return null;
end $$`;

async function createTriggers(knex: Knex): Promise<void> {
  if (knex.client.dialect === 'postgresql') {
    await knex.raw(POSTGRES_FOLLOW);
    await knex.raw(`create trigger endpoint_macs_on_insert after insert on endpoints for each row
      when (new.mac_addresses is not null) execute function endpoint_macs_follow()`);
    await knex.raw(`create trigger endpoint_macs_on_update after update of mac_addresses on endpoints for each row
      when (old.mac_addresses is distinct from new.mac_addresses) execute function endpoint_macs_follow()`);
    return;
  }
  await knex.raw(`create trigger endpoint_macs_on_insert after insert on endpoints
    when new.mac_addresses is not null begin ${SQLITE_FOLLOW} end`);
  await knex.raw(`create trigger endpoint_macs_on_update after update of mac_addresses on endpoints
    when old.mac_addresses is not new.mac_addresses begin ${SQLITE_FOLLOW} end`);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('endpoint_macs', (t) => {
    t.string('endpoint_id', 64).notNullable().references('endpoints.id').onDelete('CASCADE');
    t.string('mac', MAC_LENGTH).notNullable();
    // Leads with endpoint_id: the cascade and the rewrite of one endpoint's rows use it.
    t.primary(['endpoint_id', 'mac']);
    // Who reports a MAC, answered from the index alone before the endpoints are joined.
    t.index(['mac', 'endpoint_id'], 'endpoint_macs_mac');
  });
  // Every endpoint's stored list, in id order, a batch at a time (parsed here: JSON functions
  // differ between SQLite and PostgreSQL, and old rows may hold anything).
  let after = '';
  for (;;) {
    const rows = (await knex('endpoints')
      .whereNotNull('mac_addresses')
      .andWhere('id', '>', after)
      .orderBy('id')
      .limit(ENDPOINTS_PER_BATCH)
      .select('id', 'mac_addresses')) as { id: string; mac_addresses: string | null }[];
    const last = rows[rows.length - 1];
    if (!last) break;
    const macs = rows.flatMap((row) => macsIn(row.mac_addresses).map((mac) => ({ endpoint_id: row.id, mac })));
    for (let i = 0; i < macs.length; i += ROWS_PER_INSERT) await knex('endpoint_macs').insert(macs.slice(i, i + ROWS_PER_INSERT));
    after = last.id;
  }
  // After the rows that are there: every write from now on keeps them.
  await createTriggers(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger endpoint_macs_on_insert' + (knex.client.dialect === 'postgresql' ? ' on endpoints' : ''));
  await knex.raw('drop trigger endpoint_macs_on_update' + (knex.client.dialect === 'postgresql' ? ' on endpoints' : ''));
  if (knex.client.dialect === 'postgresql') await knex.raw('drop function endpoint_macs_follow()');
  await knex.schema.dropTable('endpoint_macs');
}

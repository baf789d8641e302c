import type { Knex } from 'knex';

// Frozen. An endpoint's latest report lives only in its history ring: the k-th stored report
// is in slot k mod 20 of report_history, so the latest is slot reports_stored mod 20. The
// endpoint row no longer carries a copy (~1 kB), which every report rewrote with the row
// (docs/performance.md, "Reports per second", fourth round).
const HISTORY = 20;

/** Endpoints whose report the ring's latest slot does not hold (e.g. restored from a backup made before the ring). */
const LATEST_MISSING = `report is not null and not exists (
  select 1 from report_history h
  where h.endpoint_id = endpoints.id and h.slot = endpoints.reports_stored % ${HISTORY} and h.body = endpoints.report)`;

export async function up(knex: Knex): Promise<void> {
  // Their report becomes the ring's newest entry: written to the next slot (overwriting the
  // oldest when the ring is full), and the count raised to point at it. The second statement
  // selects the same endpoints: the first did not write the slot its condition reads.
  await knex.raw(
    `insert into report_history (endpoint_id, slot, seq, received_at, body)
     select id, (reports_stored + 1) % ${HISTORY}, last_seq, last_seen_at, report from endpoints where ${LATEST_MISSING}
     on conflict (endpoint_id, slot) do update set seq = excluded.seq, received_at = excluded.received_at, body = excluded.body`,
  );
  await knex.raw(`update endpoints set reports_stored = reports_stored + 1 where ${LATEST_MISSING}`);
  // Both databases drop a column in place (SQLite ≥ 3.35; knex's own dropColumn would copy the table).
  await knex.raw('alter table endpoints drop column report');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table endpoints add column report text');
  await knex.raw(
    `update endpoints set report = (select body from report_history h
       where h.endpoint_id = endpoints.id and h.slot = endpoints.reports_stored % ${HISTORY})`,
  );
}

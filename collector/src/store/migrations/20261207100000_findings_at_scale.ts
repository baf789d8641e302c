import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';

// Frozen: a migration never changes once released and never imports application code.
// The findings at fleet size (docs/performance.md, "Findings and the dashboard at fleet scale"):
//
// - endpoints.placeholder_kinds: the identifier kinds whose reported value is a placeholder
//   ("serialNumber,hardwareUuid"), null for none, written with the identifiers from each
//   report. The identifier columns hold usable values only, so a placeholder was found by
//   reading reports; now one index range finds every endpoint reporting one.
// - integrations.inventory_findings: the duplicate and placeholder records of the integration's
//   current inventory, counted once when a sync commits it (JSON, with the generation it counts).
//
// Existing endpoints are marked from their latest report: every kind the report names whose
// column is empty (the value was dropped: a placeholder, or in a rare case too long once
// normalised). The findings check each marked value again before listing it; the endpoint's
// next report writes the exact kinds.
const KINDS = [
  ['hardwareUuid', 'hardware_uuid'],
  ['serialNumber', 'serial_number'],
  ['machineGuid', 'machine_guid'],
] as const;
const HISTORY = 20;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('endpoints', (t) => {
    t.string('placeholder_kinds', 64);
    t.index(['placeholder_kinds', 'id'], 'endpoints_placeholder_kinds');
  });
  await knex.schema.alterTable('integrations', (t) => t.text('inventory_findings'));

  const sqlite = isSqlite(knex);
  const reported = (kind: string): string =>
    sqlite ? `json_extract(h.body, '$.identity.${kind}')` : `((h.body::jsonb) -> 'identity' ->> '${kind}')`;
  const dropped = (kind: string, column: string): string => `(e.${column} is null and coalesce(${reported(kind)}, '') <> '')`;
  // "kind," for each dropped kind, the trailing comma cut: null when none.
  const listed = KINDS.map(([kind, column]) => `case when ${dropped(kind, column)} then '${kind},' else '' end`).join(' || ');
  const marked = `nullif(rtrim(${listed}, ','), '')`;
  await knex.raw(
    `update endpoints set placeholder_kinds = (
       select ${marked} from endpoints e join report_history h on h.endpoint_id = e.id and h.slot = e.reports_stored % ${HISTORY}
       where e.id = endpoints.id)
     where hardware_uuid is null or serial_number is null or machine_guid is null`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table integrations drop column inventory_findings');
  await knex.schema.alterTable('endpoints', (t) => t.dropIndex(['placeholder_kinds', 'id'], 'endpoints_placeholder_kinds'));
  await knex.raw('alter table endpoints drop column placeholder_kinds');
}

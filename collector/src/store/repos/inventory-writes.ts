import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';
import { toJson } from '../json.js';
import type { StagedRecord } from '../../domain/inventory.js';
import type { InventoryRecordRow } from '../rows.js';

/**
 * The write half of a sync: a page of staged records as one multi-row INSERT for the
 * records and one for their MACs, in raw SQL. knex's builder cost more per row than the
 * database did (an object per row, its keys re-read, a placeholder string assembled per
 * value; on SQLite a compound SELECT capped at 500 rows) and is not needed for an append
 * of known columns.
 */

interface Column {
  name: keyof InventoryRecordRow;
  /** The element type of the PostgreSQL array the column's values travel in. */
  pgType: 'text' | 'boolean' | 'bigint';
  of(record: StagedRecord): string | number | boolean | null;
}

/** Every column a staged record fills, beside id, integration_id and generation. */
const COLUMNS: readonly Column[] = [
  { name: 'external_id', pgType: 'text', of: (r) => r.externalId ?? null },
  { name: 'hardware_uuid', pgType: 'text', of: (r) => r.hardwareUuid ?? null },
  { name: 'serial_number', pgType: 'text', of: (r) => r.serialNumber ?? null },
  { name: 'machine_guid', pgType: 'text', of: (r) => r.machineGuid ?? null },
  { name: 'mdm_device_id', pgType: 'text', of: (r) => r.mdmDeviceId ?? null },
  { name: 'device_name', pgType: 'text', of: (r) => r.deviceName ?? null },
  { name: 'platform', pgType: 'text', of: (r) => r.platform ?? null },
  { name: 'owner', pgType: 'text', of: (r) => r.owner ?? null },
  { name: 'managed', pgType: 'boolean', of: (r) => r.managed ?? null },
  { name: 'edr_connector_id', pgType: 'text', of: (r) => r.edr?.connectorId ?? null },
  { name: 'edr_status', pgType: 'text', of: (r) => r.edr?.status ?? null },
  { name: 'edr_detail', pgType: 'text', of: (r) => r.edr?.detail ?? null },
  { name: 'edr_seen_at', pgType: 'bigint', of: (r) => r.edr?.seenAt ?? null },
  { name: 'posture_disk_encryption', pgType: 'boolean', of: (r) => r.posture?.diskEncryption ?? null },
  { name: 'posture_firewall', pgType: 'boolean', of: (r) => r.posture?.firewall ?? null },
  { name: 'posture_os_version', pgType: 'text', of: (r) => r.posture?.osVersion ?? null },
  { name: 'placeholders', pgType: 'text', of: (r) => (r.placeholders && r.placeholders.length > 0 ? toJson(r.placeholders) : null) },
  { name: 'raw', pgType: 'text', of: (r) => (r.raw ? toJson(r.raw) : null) },
];

const RECORD_COLUMN_LIST = ['integration_id', 'generation', 'id', ...COLUMNS.map((c) => c.name)].join(', ');
const MAC_COLUMN_LIST = 'integration_id, generation, record_id, mac';

/**
 * SQLite binds at most 32,766 values per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32);
 * a multi-row VALUES list is not bound by the 500-term compound SELECT cap knex runs into.
 */
const SQLITE_MAX_VALUES = 32_766;

/** A record's id: its generation and its position in the sync, unique without a lookup. */
export const stagedRecordId = (generation: string, index: number): string => `${generation}:${index}`;

/** Statements a page of staged records is written with, for one database. */
export interface PageWriter {
  write(trx: Knex.Transaction, integrationId: string, generation: string, startIndex: number, records: StagedRecord[]): Promise<void>;
}

export function pageWriterFor(db: Knex): PageWriter {
  return isSqlite(db) ? sqliteWriter : postgresWriter;
}

/** Row-major `(?, ?, …), (…)` lists, as many rows per statement as SQLite binds values for. */
const sqliteWriter: PageWriter = {
  async write(trx, integrationId, generation, startIndex, records) {
    const width = 3 + COLUMNS.length;
    const perStatement = Math.floor(SQLITE_MAX_VALUES / width);
    const macs: string[] = [];
    for (let from = 0; from < records.length; from += perStatement) {
      const chunk = records.slice(from, from + perStatement);
      const values: Knex.Value[] = [];
      chunk.forEach((record, i) => {
        const id = stagedRecordId(generation, startIndex + from + i);
        values.push(integrationId, generation, id);
        for (const column of COLUMNS) values.push(column.of(record));
        for (const mac of record.macAddresses ?? []) macs.push(id, mac);
      });
      await trx.raw(`insert into inventory_records (${RECORD_COLUMN_LIST}) values ${placeholders(chunk.length, width)}`, values);
    }
    // Each MAC row binds its integration and generation too: 4 values per row.
    const macsPerStatement = Math.floor(SQLITE_MAX_VALUES / 4);
    for (let from = 0; from < macs.length / 2; from += macsPerStatement) {
      const rows = Math.min(macsPerStatement, macs.length / 2 - from);
      const values: Knex.Value[] = [];
      for (let i = from; i < from + rows; i++) values.push(integrationId, generation, macs[2 * i] as string, macs[2 * i + 1] as string);
      await trx.raw(`insert into inventory_macs (${MAC_COLUMN_LIST}) values ${placeholders(rows, 4)}`, values);
    }
  },
};

function placeholders(rows: number, width: number): string {
  const row = `(${new Array<string>(width).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(row).join(', ');
}

/**
 * Column-major: one array per column, unnested into rows by the server, so a statement has
 * the same short text and the same 21 parameters whatever the page size (PostgreSQL allows
 * 65,535 parameters; a row-major page of wide rows would need several statements).
 */
const postgresWriter: PageWriter = {
  async write(trx, integrationId, generation, startIndex, records) {
    const ids: string[] = [];
    const columns: (string | number | boolean | null)[][] = COLUMNS.map(() => []);
    const macRecords: string[] = [];
    const macs: string[] = [];
    records.forEach((record, i) => {
      const id = stagedRecordId(generation, startIndex + i);
      ids.push(id);
      COLUMNS.forEach((column, c) => (columns[c] as (string | number | boolean | null)[]).push(column.of(record)));
      for (const mac of record.macAddresses ?? []) {
        macRecords.push(id);
        macs.push(mac);
      }
    });
    const arrays = COLUMNS.map((c) => `?::${c.pgType}[]`).join(', ');
    await trx.raw(
      `insert into inventory_records (${RECORD_COLUMN_LIST}) select ?::text, ?::text, u.* from unnest(?::text[], ${arrays}) as u`,
      [
        integrationId,
        generation,
        ids,
        // Each array is one binding (node-postgres sends it as an array literal, nulls as NULL);
        // knex's types know arrays of one non-null type only.
        ...(columns as Knex.Value[]),
      ],
    );
    if (macs.length > 0) {
      await trx.raw(`insert into inventory_macs (${MAC_COLUMN_LIST}) select ?::text, ?::text, u.* from unnest(?::text[], ?::text[]) as u`, [
        integrationId,
        generation,
        macRecords,
        macs,
      ]);
    }
  },
};

import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';
import { driverStatement, runOnDriver, type DriverStatement } from '../driver-statements.js';
import { jsonText, postgresJson, sqliteRowsFor, type JsonRows } from '../json-rows.js';
import { toJson } from '../json.js';
import type { StagedRecord } from '../../domain/inventory.js';
import type { InventoryRecordRow } from '../rows.js';

/**
 * The write half of a sync: a part of a page of staged records as one INSERT for the records
 * and one for their MACs, in raw SQL. knex's builder cost more per row than the database did
 * (an object per row, its keys re-read, a placeholder assembled and a value bound per column;
 * on SQLite a compound SELECT capped at 500 rows), and an append of known columns needs none
 * of it. See docs/performance.md, "Sync speed and memory".
 */

interface Column {
  name: keyof InventoryRecordRow;
  /** The PostgreSQL type the column's JSON member is cast to (SQLite takes JSON's own types). */
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

/** A record's id: its generation and its position in the sync, unique without a lookup. */
export const stagedRecordId = (generation: string, index: number): string => `${generation}:${index}`;

/** Statements a page of staged records is written with, for one database. */
export interface PageWriter {
  write(db: Knex, integrationId: string, generation: string, startIndex: number, records: StagedRecord[]): Promise<void>;
}

/**
 * The page writer for `db`'s database. On SQLite the row source is `jsonb_each` where the
 * driver's SQLite has it (`sqliteRowsFor`); `sqliteRows` picks one (the tests write with both).
 */
export function pageWriterFor(db: Knex, sqliteRows: JsonRows = sqliteRowsFor(db)): PageWriter {
  return isSqlite(db) ? jsonWriter(sqliteRows, 'sqlite') : jsonWriter(postgresJson, 'postgres');
}

/**
 * One JSON text per statement, unpacked by the database: rows of any width and number in one
 * bound value. Binding each value instead (a multi-row VALUES list, or PostgreSQL arrays)
 * converted every one on the event loop's thread, which decisions share; JSON.stringify is
 * native, and the database decodes the text on its own thread or server.
 */
function jsonWriter(json: JsonRows, dialect: 'sqlite' | 'postgres'): PageWriter {
  const recordMembers = ['text' as const, ...COLUMNS.map((c) => c.pgType)].map((type, i) => json.member(i, type)).join(', ');
  const recordSql = `insert into inventory_records (${RECORD_COLUMN_LIST}) select ?, ?, ${recordMembers} from ${json.rows}`;
  const macSql = `insert into inventory_macs (${MAC_COLUMN_LIST}) select ?, ?, ${json.member(0, 'text')}, ${json.member(1, 'text')} from ${json.rows}`;
  // Prepared once per connection and run on the driver, past knex (driver-statements.ts), as the
  // decision path's statements are: knex's runner cost the event loop 1–2 ms per 1,000 records,
  // and SQLite parsed and planned the statement again for every part.
  const recordStatement: DriverStatement = driverStatement('devtrust_stage_records', recordSql)[dialect];
  const macStatement: DriverStatement = driverStatement('devtrust_stage_macs', macSql)[dialect];
  return {
    async write(db, integrationId, generation, startIndex, records) {
      const rows: unknown[][] = [];
      const macs: string[][] = [];
      records.forEach((record, i) => {
        const id = stagedRecordId(generation, startIndex + i);
        rows.push([id, ...COLUMNS.map((column) => column.of(record))]);
        for (const mac of record.macAddresses ?? []) macs.push([id, mac]);
      });
      const recordsText = jsonText(rows);
      // Records alone are one statement, which the database commits by itself: no knex
      // transaction, whose per-call knex instance was most of what a sync left for V8's
      // full collections (see docs/performance.md, "Sync speed and memory"). Records with
      // MACs are one commit of two statements, as the foreign key between them wants.
      if (macs.length === 0) {
        await runOnDriver(db, recordStatement, [integrationId, generation, recordsText]);
        return;
      }
      const macsText = jsonText(macs);
      await db.transaction(async (trx) => {
        await runOnDriver(trx, recordStatement, [integrationId, generation, recordsText]);
        await runOnDriver(trx, macStatement, [integrationId, generation, macsText]);
      });
    },
  };
}

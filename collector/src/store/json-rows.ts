import type { Knex } from 'knex';
import { isSqlite } from './dialect.js';

/**
 * Many rows bound as one JSON text and unpacked by the database: a batch of any width and
 * length is one bound value. Binding each value instead (a multi-row VALUES list of
 * placeholders) converted every one on the event loop's thread and made the database parse
 * a statement of thousands of placeholders; JSON.stringify is native, and the database
 * decodes the text on its own thread or server (docs/performance.md).
 */
export interface JsonRows {
  /** The row source: one row per array element, bound to one `?`. */
  rows: string;
  /** Element `i` of a row, as a value of this type. */
  member(i: number, type: JsonMemberType): string;
}

export type JsonMemberType = 'text' | 'bigint' | 'boolean' | 'integer' | 'double precision';

/** SQLite's `->>` gives a JSON true or false as 1 or 0, as the driver binds a boolean. */
export const sqliteJson: JsonRows = { rows: 'json_each(?)', member: (i) => `value ->> ${i}` };

/**
 * SQLite 3.51+ (the version node-sqlite3 builds in): `jsonb_each` hands each row over as
 * SQLite's binary JSON, which `->>` reads in place; `json_each` hands it over as text, which
 * every `->>` parses again. The same values and types come out; SQLite's thread spent about a
 * third less time on a sync's INSERT (docs/performance.md, "Sync speed and memory", fifth round).
 */
export const sqliteJsonb: JsonRows = { rows: 'jsonb_each(?)', member: (i) => `value ->> ${i}` };

/** The SQLite version `jsonb_each` needs (SQLITE_VERSION_NUMBER of 3.51.0). */
const JSONB_EACH_SINCE = 3_051_000;

/**
 * `sqliteJsonb` where the driver's SQLite has `jsonb_each`, else `sqliteJson` (a driver built
 * against an older system SQLite). node-sqlite3 states its SQLite's version without a query.
 */
export function sqliteRowsFor(db: Knex | Knex.Transaction): JsonRows {
  const version = (db.client as { driver?: { VERSION_NUMBER?: number } }).driver?.VERSION_NUMBER ?? 0;
  return version >= JSONB_EACH_SINCE ? sqliteJsonb : sqliteJson;
}

/** jsonb, not json: `->>` on json scans the row's text again for every column (half the speed). */
export const postgresJson: JsonRows = {
  rows: 'jsonb_array_elements(?::jsonb)',
  member: (i, type) => (type === 'text' ? `value ->> ${i}` : `(value ->> ${i})::${type}`),
};

export function jsonRowsFor(db: Knex | Knex.Transaction): JsonRows {
  return isSqlite(db) ? sqliteJson : postgresJson;
}

/**
 * The rows as JSON text, with a lone surrogate (half of a UTF-16 pair, alone) as U+FFFD.
 * Bound as a value, such a string was sent as UTF-8 with U+FFFD in its place; JSON.stringify
 * writes it as an escape (`\ud800`), which PostgreSQL's jsonb refuses and SQLite would store
 * as bytes no UTF-8 reader takes. Only text showing such an escape is encoded again.
 */
export function jsonText(rows: unknown[][]): string {
  const text = JSON.stringify(rows);
  return /\\u[dD][89a-fA-F]/.test(text)
    ? JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'string' ? wellFormed(value) : value))
    : text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `String.prototype.toWellFormed` (ES2024, not in this build's library types). */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

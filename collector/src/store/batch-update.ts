import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { driverStatement, forDb, runOnDriver } from './driver-statements.js';
import { isSqlite } from './dialect.js';
import { jsonRowsFor, jsonText, type JsonMemberType } from './json-rows.js';

/**
 * One UPDATE for many rows of a table, each row with its own values and conditions:
 *
 *   WITH v AS (SELECT value ->> 0 AS v_key, value ->> 1 AS v_c1, … FROM json_each(?))
 *   UPDATE t SET c1 = v.v_c1, … FROM v
 *   WHERE t.key = v.v_key AND <guards> RETURNING key
 *
 * The rows travel as one JSON text (store/json-rows.ts; PostgreSQL unpacks it with
 * jsonb_array_elements). The same statement shape runs on SQLite (3.35+: UPDATE … FROM,
 * RETURNING, IS NOT DISTINCT FROM) and PostgreSQL. Numbers and booleans are cast on
 * PostgreSQL, where `->>` gives text; a column null in every row is set to null directly.
 */
export interface BatchUpdate {
  table: string;
  /** The column rows are found by (the table's key); its value is `keys[i]`. */
  key: string;
  keys: string[];
  /** Per row, the columns to set (every row the same columns). */
  set: Record<string, unknown>[];
  /** Per row, columns that must hold this value (null: must be null) for the row to change. */
  unchanged: Record<string, unknown>[];
  /** Per row, a number the column must be below (the replay check on a sequence). */
  below?: { column: string; values: number[] };
  /** A column counting the row's changes: each changed row's is raised by one and returned. */
  counter?: string;
  /**
   * PostgreSQL only: also write one row into `table` per changed row, in the same statement
   * (a data-modifying CTE), its columns taken from the key (`$key`), from a value set, or
   * from the counter's new value modulo a number. The values travel to the server once and
   * the batch saves a round trip. With `onConflict`, a row whose key columns exist is
   * overwritten (an upsert). `carried` are per-row values for the inserted rows alone (not set
   * in `table`), named as a value set is.
   */
  alsoInsert?: {
    table: string;
    columns: Record<string, string | { counterModulo: number }>;
    onConflict?: string[];
    carried?: Record<string, unknown[]>;
    /**
     * One more per-row value for the inserted rows, stored as its JSON text (a report's body):
     * the values travel as a second JSON array, which PostgreSQL splits without decoding
     * (`json_array_elements`: each element's text exactly as JSON.stringify wrote it), so a
     * value's JSON is not escaped again inside the rows' text, on either side.
     */
    carriedJson?: { name: string; values: unknown[] };
  };
}

const typeOf = (values: unknown[]): JsonMemberType => {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (typeof sample === 'number') return 'bigint';
  if (typeof sample === 'boolean') return 'boolean';
  return 'text';
};

/**
 * Runs the update; resolves with the keys of the rows it changed, each with its counter's
 * new value (0 without a counter).
 */
export async function batchUpdate(db: Knex | Knex.Transaction, spec: BatchUpdate): Promise<Map<string, number>> {
  const rows = spec.keys.length;
  if (rows === 0) return new Map();
  const setColumns = Object.keys(spec.set[0] ?? {});
  const guardColumns = Object.keys(spec.unchanged[0] ?? {});
  const vColumns: { name: string; values: unknown[] }[] = [{ name: spec.key, values: spec.keys }];
  const assignments: string[] = [];
  for (const column of setColumns) {
    const values = spec.set.map((s) => s[column] ?? null);
    if (values.every((v) => v === null)) {
      assignments.push(`"${column}" = null`);
      continue;
    }
    vColumns.push({ name: column, values });
    assignments.push(`"${column}" = v."v_${column}"`);
  }
  if (spec.counter) assignments.push(`"${spec.counter}" = "${spec.table}"."${spec.counter}" + 1`);
  const guards: string[] = [];
  for (const column of guardColumns) {
    // Always through v, even when null in every row: a constant `column is null` lets the
    // planner reach the rows through that column's index instead of the key's, and an
    // identifier most devices lack (MachineGuid on a Mac) then means a scan of most of the
    // table per batch.
    const values = spec.unchanged.map((u) => u[column] ?? null);
    vColumns.push({ name: `g_${column}`, values });
    guards.push(`"${spec.table}"."${column}" is not distinct from v."v_g_${column}"`);
  }
  for (const [name, values] of Object.entries(spec.alsoInsert?.carried ?? {})) vColumns.push({ name, values });
  // `carriedJson` travels as a JSON array of its own, split by PostgreSQL without decoding.
  // JSON.stringify writes a lone surrogate as `\ud800`, which PostgreSQL's json refuses: such
  // values (none reach here from the agent channel) go as text in the rows, as `carried` do.
  const asJson = spec.alsoInsert?.carriedJson;
  let asJsonArray: string | null = null;
  if (asJson) {
    if (isSqlite(db)) throw new TypeError('batchUpdate: alsoInsert is PostgreSQL only');
    const text = JSON.stringify(asJson.values);
    if (text.includes('\\ud') && /\\u[dD][89a-fA-F]/.test(text))
      vColumns.push({ name: asJson.name, values: asJson.values.map((v) => JSON.stringify(v)) });
    else asJsonArray = text;
  }
  if (spec.below) {
    vColumns.push({ name: `b_${spec.below.column}`, values: spec.below.values });
    guards.push(`"${spec.table}"."${spec.below.column}" < v."v_b_${spec.below.column}"`);
  }
  const json = jsonRowsFor(db);
  const members = vColumns.map((c, i) => `${json.member(i, typeOf(c.values))} as "v_${c.name}"`);
  const table: unknown[][] = [];
  for (let i = 0; i < rows; i++) table.push(vColumns.map((c) => c.values[i] ?? null));
  const bindings: unknown[] = [jsonText(table)];
  let source = json.rows;
  if (asJson && asJsonArray !== null) {
    members.push(`"j"::text as "v_${asJson.name}"`);
    // Named here so that alsoInsert can take it; its values are in the second array.
    vColumns.push({ name: asJson.name, values: [] });
    source = `rows from (${json.rows}, json_array_elements(?::json)) as r(value, j)`;
    bindings.push(asJsonArray);
  }
  const values = `with v as (select ${members.join(', ')} from ${source})`;
  const update =
    `update "${spec.table}" set ${assignments.join(', ')} from v ` +
    `where "${spec.table}"."${spec.key}" = v."v_${spec.key}"${guards.map((g) => ` and ${g}`).join('')} `;
  const returning = `returning "${spec.table}"."${spec.key}" as "key"${spec.counter ? `, "${spec.table}"."${spec.counter}" as "counter"` : ''}`;
  let sql = `${values} ${update}${returning}`;
  if (spec.alsoInsert) {
    const { table, columns, onConflict } = spec.alsoInsert;
    const targets = Object.keys(columns);
    const carried = new Set<string>();
    const sources = Object.values(columns).map((source) => {
      if (source === '$key') return '"key"';
      if (typeof source === 'object') {
        if (!spec.counter) throw new TypeError('alsoInsert: counterModulo needs a counter');
        return `"counter" % ${Math.trunc(source.counterModulo)}`;
      }
      if (!vColumns.some((c) => c.name === source)) throw new TypeError(`alsoInsert: ${source} is not a value set`);
      carried.add(source);
      return `"v_${source}"`;
    });
    const upsert = onConflict
      ? ` on conflict (${onConflict.map((c) => `"${c}"`).join(', ')}) do update set ${targets
          .filter((t) => !onConflict.includes(t))
          .map((t) => `"${t}" = excluded."${t}"`)
          .join(', ')}`
      : '';
    sql =
      `${values}, changed as (${update}${returning}${[...carried].map((c) => `, v."v_${c}"`).join('')}), ` +
      `inserted as (insert into "${table}" (${targets.map((t) => `"${t}"`).join(', ')}) select ${sources.join(', ')} from changed${upsert}) ` +
      `select "key"${spec.counter ? ', "counter"' : ''} from changed`;
  }
  const { rows: changed } = await runOnDriver<{ key: string; counter?: unknown }>(db as Knex, forDb(db as Knex, prepared(sql)), bindings);
  return new Map(changed.map((r) => [r.key, Number(r.counter ?? 0)]));
}

/**
 * The statement for this text, prepared once per connection: with the rows in one JSON value
 * the text depends only on the batch's shape (the columns set), not on its length, so a few
 * statements serve every batch. Straight on the driver, a statement costs a third of the CPU
 * it does through knex, which counts for the small batches of a quiet collector.
 */
const statements = new Map<string, ReturnType<typeof driverStatement>>();
function prepared(sql: string): ReturnType<typeof driverStatement> {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 64) statements.clear(); // shapes are few; a bound, not an expected case
    statement = driverStatement(`devtrust_batch_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`, sql);
    statements.set(sql, statement);
  }
  return statement;
}

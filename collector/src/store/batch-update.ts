import type { Knex } from 'knex';

/**
 * One UPDATE for many rows of a table, each row with its own values and conditions:
 *
 *   WITH v(v_key, v_c1, …) AS (VALUES (?, ?, …), …)
 *   UPDATE t SET c1 = v.v_c1, … FROM v
 *   WHERE t.key = v.v_key AND <guards> RETURNING key
 *
 * The same text runs on SQLite (3.35+: UPDATE … FROM, RETURNING, IS NOT DISTINCT FROM)
 * and PostgreSQL. Numbers and booleans are cast, since PostgreSQL types a VALUES list of
 * parameters as text; a column null in every row is set to null directly.
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
  /**
   * PostgreSQL only: also insert one row into `table` per changed row, in the same
   * statement (a data-modifying CTE), its columns taken from the key (`$key`) or from the
   * values set. The values travel to the server once and the batch saves a round trip.
   */
  alsoInsert?: { table: string; columns: Record<string, string> };
}

const castOf = (values: unknown[]): string | null => {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (typeof sample === 'number') return 'bigint';
  if (typeof sample === 'boolean') return 'boolean';
  return null;
};

/** Runs the update; resolves with the keys of the rows it changed. */
export async function batchUpdate(db: Knex | Knex.Transaction, spec: BatchUpdate): Promise<Set<string>> {
  const rows = spec.keys.length;
  if (rows === 0) return new Set();
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
  if (spec.below) {
    vColumns.push({ name: `b_${spec.below.column}`, values: spec.below.values });
    guards.push(`"${spec.table}"."${spec.below.column}" < v."v_b_${spec.below.column}"`);
  }
  const casts = vColumns.map((c) => castOf(c.values));
  const placeholders = casts.map((cast) => (cast ? `cast(? as ${cast})` : '?')).join(', ');
  const bindings: unknown[] = [];
  for (let i = 0; i < rows; i++) for (const c of vColumns) bindings.push(c.values[i] ?? null);
  const values = `with v(${vColumns.map((c) => `"v_${c.name}"`).join(', ')}) as (values ${Array.from({ length: rows }, () => `(${placeholders})`).join(', ')})`;
  const update =
    `update "${spec.table}" set ${assignments.join(', ')} from v ` +
    `where "${spec.table}"."${spec.key}" = v."v_${spec.key}"${guards.map((g) => ` and ${g}`).join('')} `;
  let sql = `${values} ${update}returning "${spec.table}"."${spec.key}" as "key"`;
  if (spec.alsoInsert) {
    const targets = Object.keys(spec.alsoInsert.columns);
    const sources = Object.values(spec.alsoInsert.columns);
    for (const source of sources)
      if (source !== '$key' && !vColumns.some((c) => c.name === source)) throw new TypeError(`alsoInsert: ${source} is not a value set`);
    sql =
      `${values}, changed as (${update}returning "${spec.table}"."${spec.key}" as "key"${sources
        .filter((c) => c !== '$key')
        .map((c) => `, v."v_${c}"`)
        .join('')}), ` +
      `inserted as (insert into "${spec.alsoInsert.table}" (${targets.map((t) => `"${t}"`).join(', ')}) ` +
      `select ${sources.map((c) => (c === '$key' ? '"key"' : `"v_${c}"`)).join(', ')} from changed) ` +
      `select "key" from changed`;
  }
  const result = (await db.raw(sql, bindings as Knex.Value[])) as { rows?: { key: string }[] } | { key: string }[];
  const changed = Array.isArray(result) ? result : (result.rows ?? []);
  return new Set(changed.map((r) => r.key));
}

/**
 * Statements prepared once per SQLite connection (node-sqlite3): SQLite parses and plans a
 * statement on every call otherwise. Kept on the connection object, finalised before it closes
 * (SQLite refuses to close a connection with statements left).
 */

/** What a statement gave: the rows it returned (or RETURNING), and how many rows it changed. */
export interface DriverResult<Row> {
  rows: Row[];
  changes: number;
}

export interface SqliteStatement {
  all(params: unknown[], cb: (error: Error | null, rows: unknown[]) => void): void;
  run(params: unknown[], cb: (this: { changes: number }, error: Error | null) => void): void;
  finalize(cb?: () => void): void;
}
export interface SqliteConnection {
  prepare(sql: string, cb: (error: Error | null) => void): SqliteStatement;
  __devtrustPrepared?: Map<string, Promise<SqliteStatement>>;
  __devtrustTxId?: string;
  __knex__disposed?: unknown;
}
/**
 * Prepared statements kept per SQLite connection at most: as many as compiled.ts keeps shapes
 * (the inventory lookup has one per mix of identifier kinds and number of integrations). Past
 * it, all are finalised and prepared again. That is safe for a caller holding one of them:
 * node-sqlite3 runs a statement's calls in order, and the caller's `all`/`run` is queued as
 * soon as its `await` of the statement resumes, which comes before the finalisation chained
 * to the same promise later.
 */
const MAX_PREPARED = 256;

export function preparedOn(connection: SqliteConnection, sql: string): Promise<SqliteStatement> {
  const known = connection.__devtrustPrepared?.get(sql);
  if (known) return known;
  if ((connection.__devtrustPrepared?.size ?? 0) >= MAX_PREPARED) void finalizePrepared(connection);
  const cache = (connection.__devtrustPrepared ??= new Map<string, Promise<SqliteStatement>>());
  const statement = new Promise<SqliteStatement>((resolve, reject) => {
    const prepared = connection.prepare(sql, (error) => (error ? reject(error) : resolve(prepared)));
  });
  cache.set(sql, statement);
  // A statement that failed to prepare (a table not there yet) is tried again next time.
  statement.catch(() => {
    if (cache.get(sql) === statement) cache.delete(sql);
  });
  return statement;
}

/** Finalises the statements prepared on a SQLite connection (before it is closed: SQLite refuses to close with some left). */
export async function finalizePrepared(connection: SqliteConnection): Promise<void> {
  const statements = [...(connection.__devtrustPrepared?.values() ?? [])];
  connection.__devtrustPrepared = new Map();
  await Promise.all(
    statements.map((pending) => pending.then((s) => new Promise<void>((resolve) => s.finalize(() => resolve()))).catch(() => undefined)),
  );
}

/** Runs a prepared SQLite statement: `all` for one that returns rows, `run` (with the rows changed) for one that does not. */
export function runPrepared<Row>(statement: SqliteStatement, params: unknown[], returnsRows: boolean): Promise<DriverResult<Row>> {
  return new Promise((resolve, reject) => {
    if (returnsRows) statement.all(params, (error, rows) => (error ? reject(error) : resolve({ rows: rows as Row[], changes: 0 })));
    else
      statement.run(params, function ran(error) {
        if (error) reject(error);
        else resolve({ rows: [], changes: this.changes });
      });
  });
}

import type { Knex } from 'knex';
import type { StatementDone } from './change-feed.js';
import { discardsConnection } from './db-errors.js';
import { isSqlite, statementsOf } from './dialect.js';
import { preparedOn, runPrepared, type DriverResult, type SqliteConnection } from './sqlite-prepared.js';

export type { DriverResult };

/**
 * One statement of a decision's hot path, written for the driver: `?` placeholders on SQLite,
 * `$1…` on PostgreSQL, and a name it is prepared under (PostgreSQL, once per connection).
 */
export interface DriverStatement {
  native: string;
  name: string;
}

/**
 * A statement written once with `?` placeholders, for both databases (PostgreSQL numbers them).
 * The text must hold no other `?` (none in a string literal).
 */
export function driverStatement(name: string, sql: string): { sqlite: DriverStatement; postgres: DriverStatement } {
  let n = 0;
  return { sqlite: { native: sql, name }, postgres: { native: sql.replace(/\?/g, () => `$${++n}`), name } };
}

/** The statement's text for the database `db` is on. */
export function forDb(db: Knex, statement: { sqlite: DriverStatement; postgres: DriverStatement }): DriverStatement {
  return isSqlite(db) ? statement.sqlite : statement.postgres;
}

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
  __devtrustTxId?: string;
  __knex__disposed?: unknown;
}
interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Runs one statement straight on the driver, past knex's runner and query builder (on SQLite
 * that was about 100 µs of CPU a statement against 30 µs for a statement prepared once), on the
 * connection knex would use: the transaction's inside one (`db` a transaction), else one from
 * the pool. Everything that watches knex's statements still sees it: the statement listeners
 * (dialect.ts `statementsOf`: counts, the change feed) and the store's fault monitor
 * (`query-response`, `query-error`); a connection that failed for good is replaced, as
 * dialect.ts does for knex's own statements.
 */
export async function runOnDriver<Row>(db: Knex, statement: DriverStatement, bindings: readonly unknown[]): Promise<DriverResult<Row>> {
  const client = db.client as unknown as PoolClient;
  const sqlite = isSqlite(db);
  const params = [...bindings];
  const query = { method: 'raw', sql: statement.native, bindings: params };
  const connection = (await client.acquireConnection()) as SqliteConnection & PgConnection;
  try {
    let result: DriverResult<Row>;
    if (sqlite) {
      const returnsRows = /^\s*(select|with)\b|\breturning\b/i.test(statement.native);
      result = await runPrepared<Row>(await preparedOn(connection, statement.native), params, returnsRows);
    } else {
      const answer = await connection.query({ name: statement.name, text: statement.native, values: params });
      result = { rows: answer.rows as Row[], changes: answer.rowCount ?? 0 };
    }
    statementsOf(client).emit('done', { sql: statement.native, bindings: params, txId: connection.__devtrustTxId } satisfies StatementDone);
    client.emit('query-response', result.rows, query, undefined);
    return result;
  } catch (error) {
    if (discardsConnection(error)) connection.__knex__disposed = error;
    client.emit('query-error', error, query);
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}

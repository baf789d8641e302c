import type { Knex } from 'knex';
import type { BenchDatabase } from './targets.js';

/**
 * PostgreSQL's checkpoints around a measurement. Loading a million inventory records writes
 * about 1.4 GB of WAL; with the default `max_wal_size` (1 GB) PostgreSQL then runs checkpoints
 * back to back, and the one the load started writes its dirty pages out for the next half
 * minute. Decisions taken meanwhile waited for their commits' fsyncs behind it (a p99 of 470 ms
 * where the p50 was 12.5: docs/performance.md, "Sixth pass"). That is the load's cost, not a
 * decision's: the decisions-at-rest figures start after it (`settle`), and each rated run says
 * how many checkpoints ran during it (`counter`).
 */

/**
 * Waits for the checkpoint the load started: CHECKPOINT (a superuser, or a role granted
 * `pg_checkpoint`, as `.ci/run` grants the bench's role). Null when done, else why not.
 */
export async function settle(db: BenchDatabase): Promise<string | null> {
  if (db.kind !== 'postgres') return null;
  try {
    await db.knex().raw('checkpoint');
    return null;
  } catch (error) {
    return `the load's checkpoint was not waited for (CHECKPOINT: ${(error as Error).message}; grant pg_checkpoint to the bench's role)`;
  }
}

/**
 * PostgreSQL's checkpoint counts (timed and requested, and buffers they wrote) since the call;
 * null on SQLite, or where the server would not say.
 */
export async function counter(db: BenchDatabase): Promise<() => Promise<{ checkpoints: number; buffers: number } | null>> {
  if (db.kind !== 'postgres') return async () => null;
  const knex = db.knex();
  const before = await read(knex).catch(() => null);
  if (!before) return async () => null;
  return async () => {
    const after = await read(knex).catch(() => null);
    return after && { checkpoints: after.checkpoints - before.checkpoints, buffers: after.buffers - before.buffers };
  };
}

/** The counts from `pg_stat_checkpointer` (PostgreSQL 17 moved them there) or `pg_stat_bgwriter`. */
async function read(knex: Knex): Promise<{ checkpoints: number; buffers: number }> {
  const { rows: found } = (await knex.raw(`select to_regclass('pg_catalog.pg_stat_checkpointer') is not null as moved`)) as {
    rows: { moved: boolean }[];
  };
  const sql = found[0]?.moved
    ? 'select num_timed + num_requested as checkpoints, buffers_written as buffers from pg_stat_checkpointer'
    : 'select checkpoints_timed + checkpoints_req as checkpoints, buffers_checkpoint as buffers from pg_stat_bgwriter';
  const { rows } = (await knex.raw(sql)) as { rows: { checkpoints: string; buffers: string }[] };
  const row = rows[0] as { checkpoints: string; buffers: string };
  return { checkpoints: Number(row.checkpoints), buffers: Number(row.buffers) };
}

/**
 * The WAL PostgreSQL writes from the call until the returned function is called (MB), the
 * volume that sets how often it checkpoints (`max_wal_size`); null on SQLite or where the
 * server would not say.
 */
export async function walWritten(db: BenchDatabase): Promise<() => Promise<number | null>> {
  if (db.kind !== 'postgres') return async () => null;
  const knex = db.knex();
  const lsn = async (): Promise<string | null> =>
    ((await knex.raw('select pg_current_wal_lsn() as lsn').catch(() => null)) as { rows: { lsn: string }[] } | null)?.rows[0]?.lsn ?? null;
  const before = await lsn();
  return async () => {
    const after = await lsn();
    if (before === null || after === null) return null;
    const { rows } = (await knex.raw('select pg_wal_lsn_diff(?, ?) as bytes', [after, before])) as { rows: { bytes: string }[] };
    return Math.round(Number(rows[0]?.bytes) / 2 ** 20);
  };
}

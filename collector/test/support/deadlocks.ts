import pg from 'pg';

// Real PostgreSQL deadlocks, made on purpose, for the report-storage tests.

/**
 * One round of the blocker's, run inside PostgreSQL (no client round trip can delay it): waits
 * until a statement waits for this transaction (the history slot), then, half a deadlock_timeout
 * (1 s) later, asks for a table lock that statement holds (endpoints: its UPDATE's ROW
 * EXCLUSIVE). The statement, which waited first, is the first to look for a cycle, finds it, and
 * is aborted; the table lock, which waiters are granted in turn, passes to the blocker at once,
 * so the statement run again waits behind it instead of racing it for the endpoint's row.
 */
const ROUND = `create function pg_temp.deadlock_round(seconds float8) returns void language plpgsql as $$
declare
  deadline timestamptz := clock_timestamp() + make_interval(secs => seconds);
  waiting timestamptz;
begin
  loop
    select min(waitstart) into waiting from pg_locks
      where locktype = 'transactionid' and transactionid = pg_current_xact_id()::xid and not granted;
    exit when waiting is not null;
    if clock_timestamp() > deadline then raise exception 'no statement waited for the history slot'; end if;
    perform pg_sleep(0.001);
  end loop;
  perform pg_sleep(greatest(0, 0.5 - extract(epoch from clock_timestamp() - waiting)));
  lock table endpoints in share mode;
end $$`;

/**
 * A second connection that makes PostgreSQL abort, for a real deadlock, the statement (or the
 * transaction) that writes endpoint `endpointId`'s history slot `slot`, `times` times in a row
 * while `work` runs. It inserts that slot's row (uncommitted): the writer, having updated an
 * endpoint row, waits for it. Then it asks for a lock the writer holds: each waits for the
 * other, and PostgreSQL aborts the writer. That lock is taken in a savepoint and let go after
 * each round, so a writer run again waits for the slot, for the next round; at the end the
 * slot is let go too (rolled back).
 */
export async function withDeadlocks<T>(
  url: string,
  at: { endpointId: string; slot: number },
  times: number,
  work: () => Promise<T>,
): Promise<PromiseSettledResult<T>> {
  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  let running: Promise<PromiseSettledResult<T>> | null = null;
  try {
    await blocker.query('begin');
    await blocker.query(ROUND);
    await blocker.query(`insert into report_history (endpoint_id, slot, seq, received_at, body) values ($1, $2, 0, 0, '{}')`, [
      at.endpointId,
      at.slot,
    ]);
    await blocker.query('savepoint round');
    running = work().then(
      (value) => ({ status: 'fulfilled' as const, value }),
      (reason: unknown) => ({ status: 'rejected' as const, reason }),
    );
    for (let round = 0; round < times; round++) {
      // Returns once PostgreSQL has aborted the other side of the cycle.
      await blocker.query('select pg_temp.deadlock_round(30)');
      await blocker.query('rollback to savepoint round');
    }
    await blocker.query('rollback');
    return await running;
  } finally {
    await blocker.end();
    await running;
  }
}

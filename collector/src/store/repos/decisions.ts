import type { Knex } from 'knex';
import { isSqlite } from '../dialect.js';
import { toJson } from '../json.js';
import { driverStatement, runOnDriver } from '../driver-statements.js';
import type { DecisionToStore } from '../../domain/transaction.js';

/**
 * The endpoint, when the verdict was reached on it unblocked, must still be there and unblocked
 * (DecisionToStore.requireUnblocked): the last two bindings are 1 or 0 and the endpoint's id.
 */
const STILL_UNBLOCKED = `(cast(? as integer) = 0 or exists (select 1 from endpoints where endpoints.id = ? and not endpoints.blocked))`;
const DECIDE = `update transactions set state = 'decided', verdict = ?, access = ?, reasons = ?, assurance = ?, endpoint_id = ?, decided_at = ?
  where id = ? and state = 'pending' and expires_at > ? and ${STILL_UNBLOCKED} returning id`;
const LOG = `insert into auth_log (at, transaction_id, application_id, application_name, username, endpoint_id, verdict, access, reasons, outcome, assurance)
  select ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ? from decided`;
const SEEN = `update endpoints set last_user = ?, last_verdict = ? where id = ? and exists (select 1 from decided)`;

/** The PostgreSQL statement, with and without an endpoint; prepared once per connection under these names. */
const ONE_STATEMENT = {
  withEndpoint: driverStatement(
    'devtrust_decide_attested',
    `with decided as (${DECIDE}), logged as (${LOG}), seen as (${SEEN}) select count(*) as n from decided`,
  ).postgres,
  withoutEndpoint: driverStatement(
    'devtrust_decide_unattested',
    `with decided as (${DECIDE}), logged as (${LOG}) select count(*) as n from decided`,
  ).postgres,
};

/**
 * SQLite's clock (the collector's: same machine) in milliseconds, read when the statement runs,
 * after it got the write lock. The decision's own time was taken before it waited in the group
 * commit (behind other commits' fsync, or a busy database for up to the busy timeout): checked
 * against that alone, a transaction the application had meanwhile read as expired was decided.
 */
const SQLITE_NOW_MS = `cast((julianday('now') - 2440587.5) * 86400000 as integer)`;

/**
 * The same writes as three SQLite statements (no data-modifying CTEs there), each prepared once
 * on the connection: the values are bound in the order the repositories' statements bind them,
 * and decision-path.test.ts checks that the rows stored are theirs.
 */
const STEPS = {
  decide: driverStatement(
    'devtrust_decide',
    `update transactions set state = 'decided', verdict = ?, access = ?, reasons = ?, assurance = ?, endpoint_id = ?, decided_at = ?
      where id = ? and state = 'pending' and expires_at > ? and expires_at > ${SQLITE_NOW_MS} and ${STILL_UNBLOCKED}`,
  ).sqlite,
  log: driverStatement(
    'devtrust_decide_log',
    `insert into auth_log (at, transaction_id, application_id, application_name, username, endpoint_id, verdict, access, reasons, outcome, assurance)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).sqlite,
  seen: driverStatement('devtrust_decide_seen', 'update endpoints set last_user = ?, last_verdict = ? where id = ?').sqlite,
};

/**
 * What deciding a transaction writes, exactly once: the verdict on the pending transaction
 * (the conditional update makes a replay, or a race between two collectors, lose), then —
 * only when it won — its auth-log entry and the endpoint's last verdict.
 */
export class DecisionsRepo {
  constructor(private readonly db: Knex) {}

  /**
   * Stores a decision; false when the transaction was no longer pending (decided or expired).
   * On PostgreSQL one statement (data-modifying CTEs), which commits by itself: one round trip
   * instead of five (BEGIN, three statements, COMMIT). On SQLite the three statements, which the
   * caller runs in a transaction (Store.recordDecision: the group commit). Both straight on the
   * driver, prepared once per connection (driver-statements.ts).
   */
  async record(decision: DecisionToStore): Promise<boolean> {
    if (isSqlite(this.db)) return this.recordPrepared(decision);
    const { transaction: tx, endpointId, verdict, at } = decision;
    const reasons = toJson(verdict.reasons);
    const assurance = verdict.assurance ?? null;
    const bindings: Knex.RawBinding[] = [
      ...[verdict.verdict, verdict.access, reasons, assurance, endpointId, at, tx.id, at, ...stillUnblocked(decision)],
      ...[at, tx.applicationId, decision.applicationName, tx.username, endpointId, verdict.verdict, verdict.access, reasons],
      ...[outcomeOf(decision), assurance],
    ];
    const statement = endpointId === null ? ONE_STATEMENT.withoutEndpoint : ONE_STATEMENT.withEndpoint;
    if (endpointId !== null) bindings.push(tx.username, toJson(lastVerdictOf(decision)), endpointId);
    const { rows } = await runOnDriver<{ n: number | string }>(this.db, statement, bindings);
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** SQLite: the three writes, each a statement prepared once on the caller's transaction's connection. */
  private async recordPrepared(decision: DecisionToStore): Promise<boolean> {
    const { transaction: tx, endpointId, verdict, at } = decision;
    const reasons = toJson(verdict.reasons);
    const assurance = verdict.assurance ?? null;
    const decided = await runOnDriver(this.db, STEPS.decide, [
      verdict.verdict,
      verdict.access,
      reasons,
      assurance,
      endpointId,
      at,
      tx.id,
      at,
      ...stillUnblocked(decision),
    ]);
    if (decided.changes === 0) return false;
    await runOnDriver(this.db, STEPS.log, [
      ...[at, tx.id, tx.applicationId, decision.applicationName, tx.username, endpointId],
      ...[verdict.verdict, verdict.access, reasons, outcomeOf(decision), assurance],
    ]);
    if (endpointId !== null) await runOnDriver(this.db, STEPS.seen, [tx.username, toJson(lastVerdictOf(decision)), endpointId]);
    return true;
  }
}

/** The bindings of STILL_UNBLOCKED. */
function stillUnblocked(decision: DecisionToStore): [number, string | null] {
  return decision.requireUnblocked && decision.endpointId !== null ? [1, decision.endpointId] : [0, null];
}

/**
 * Without an agent nothing vouches that the named user was ever there: apart until the
 * application completes the sign-in (see AuthLogRepo.markCompleted).
 */
function outcomeOf(decision: DecisionToStore): 'attested' | 'abandoned' {
  return decision.endpointId !== null ? 'attested' : 'abandoned';
}

function lastVerdictOf(decision: DecisionToStore): DecisionToStore['verdict'] & { at: number; transactionId: string } {
  return { ...decision.verdict, at: decision.at, transactionId: decision.transaction.id };
}

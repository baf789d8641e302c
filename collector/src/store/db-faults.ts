import type { Logger } from 'pino';
import { DB_FAULT_KINDS, dbErrorForLog, dbFaultKind, type DbFaultKind } from './db-errors.js';

/** A database fault in progress, as /readyz and the log describe it. */
export interface DbFault {
  kind: DbFaultKind;
  /** The database's code and words for the first failure (no SQL, no values). */
  code: string | null;
  message: string;
  since: number;
  failures: number;
}

/** Kinds that only a successful write clears: reads keep working through them. */
const WRITE_FAULTS: ReadonlySet<DbFaultKind> = new Set(['read_only', 'disk_full', 'io_error']);
/** While a fault lasts, one summary line per this period; the same fault returning this soon after recovering is not announced again. */
export const FAULT_LOG_PERIOD_MS = 30_000;

/**
 * Watches database errors so a fault is logged once with its real cause and a count,
 * not once per failed message: the first failure of a fault is logged with the
 * database's own error, then one summary per FAULT_LOG_PERIOD_MS, then one line when
 * writes succeed again. Also counts errors by kind for /metrics and tells /readyz and the
 * agent channel whether the database is failing now.
 */
export class DbFaultMonitor {
  readonly errorsByKind = new Map<DbFaultKind, number>(DB_FAULT_KINDS.map((k) => [k, 0]));
  private fault: (DbFault & { announced: boolean; summarizedAt: number; sinceSummary: number }) | null = null;
  private lastRecovery: { kind: DbFaultKind; at: number } | null = null;
  // One error can reach us twice (the knex event, then the caller that caught it).
  private readonly seen = new WeakSet<object>();

  constructor(
    private log: Logger | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  setLog(log: Logger): void {
    this.log = log;
  }

  /** The fault in progress, or null. */
  get current(): DbFault | null {
    if (!this.fault) return null;
    const { kind, code, message, since, failures } = this.fault;
    return { kind, code, message, since, failures };
  }

  /** Records a failed database call; returns its kind, or null when the error is not the database's. */
  failed(error: unknown, what: string): DbFaultKind | null {
    const kind = dbFaultKind(error);
    if (kind === null) return null;
    if (typeof error === 'object' && error !== null) {
      if (this.seen.has(error)) return kind;
      this.seen.add(error);
    }
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
    if (kind === 'other' || kind === 'busy') return kind; // the request's own problem or contention, not an outage
    const now = this.now();
    const cause = dbErrorForLog(error);
    if (!this.fault) {
      // A fault that comes back soon after it ended (a flapping disk) is counted and
      // summarized, not announced again: one line per period, however it flaps.
      const flapping = this.lastRecovery?.kind === kind && now - this.lastRecovery.at < FAULT_LOG_PERIOD_MS;
      const announce = !flapping;
      this.fault = {
        kind,
        code: cause.code,
        message: cause.message,
        since: now,
        failures: 1,
        announced: announce,
        summarizedAt: now,
        sinceSummary: 0,
      };
      if (announce)
        this.log?.error({ db: { kind, code: cause.code, error: cause.message, during: what } }, `database fault: ${describe(kind)}`);
      return kind;
    }
    this.fault.failures += 1;
    this.fault.sinceSummary += 1;
    if (now - this.fault.summarizedAt >= FAULT_LOG_PERIOD_MS) {
      this.log?.warn(
        {
          db: {
            kind: this.fault.kind,
            code: this.fault.code,
            error: this.fault.message,
            failures: this.fault.sinceSummary,
            failuresTotal: this.fault.failures,
            forSeconds: Math.round((now - this.fault.since) / 1000),
            latest: { kind, code: cause.code, error: cause.message },
          },
        },
        `database fault continues: ${this.fault.sinceSummary} failures in the last ${Math.round((now - this.fault.summarizedAt) / 1000)} s`,
      );
      this.fault.summarizedAt = now;
      this.fault.sinceSummary = 0;
      this.fault.announced = true;
    }
    return kind;
  }

  /** Records a successful call: a write ends any fault, a read ends the faults reads also suffer from. */
  succeeded(write: boolean): void {
    const fault = this.fault;
    if (!fault || (!write && WRITE_FAULTS.has(fault.kind))) return;
    this.fault = null;
    if (!fault.announced) return;
    const now = this.now();
    this.lastRecovery = { kind: fault.kind, at: now };
    this.log?.info(
      { db: { kind: fault.kind, failures: fault.failures, forSeconds: Math.round((now - fault.since) / 1000) } },
      'database recovered: writes succeed again',
    );
  }
}

function describe(kind: DbFaultKind): string {
  switch (kind) {
    case 'read_only':
      return 'the database is read-only; nothing can be stored';
    case 'disk_full':
      return 'the disk is full; nothing can be stored';
    case 'io_error':
      return 'the database cannot write to its disk (I/O error)';
    case 'unreachable':
      return 'the database server cannot be reached';
    case 'corrupt':
      return 'the database file is damaged';
    default:
      return 'database calls are failing';
  }
}

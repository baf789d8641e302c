import { dbErrorForLog } from '../store/db-errors.js';
import type { Store } from '../store/store.js';

/** Probes run at most this often, however often /readyz is asked (it writes, and SQLite syncs each commit). */
const PROBE_EVERY_MS = 1_000;
/** A database that does not answer in this time is not ready. */
const PROBE_TIMEOUT_MS = 3_000;

interface Check {
  ok: boolean;
  kind?: string;
  code?: string | null;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  /** The dependencies that fail, by name ("database", "database.write", "database.migrations"). */
  failing: string[];
  checks: Record<'database' | 'database.write' | 'database.migrations', Check>;
  /** The database fault the collector is living through, as its log names it. */
  fault?: { kind: string; code: string | null; error: string; since: string; failures: number };
}

function timeLimit<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })),
      PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function failure(error: unknown): Check {
  const safe = dbErrorForLog(error);
  return { ok: false, kind: safe.kind ?? 'other', code: safe.code, error: safe.message };
}

/** Readiness of this collector's one dependency, the database: answers, accepts a write, schema current. */
export class ReadinessProbe {
  private last: { at: number; result: Readiness } | null = null;
  private running: Promise<Readiness> | null = null;

  constructor(private readonly store: Store) {}

  check(): Promise<Readiness> {
    if (this.last && Date.now() - this.last.at < PROBE_EVERY_MS) return Promise.resolve(this.last.result);
    this.running ??= this.probe()
      .then((result) => {
        this.last = { at: Date.now(), result };
        return result;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async probe(): Promise<Readiness> {
    const { store } = this;
    const untried: Check = { ok: false, error: 'not tried: the database does not answer' };
    const checks: Readiness['checks'] = { database: { ok: false }, 'database.write': untried, 'database.migrations': untried };
    // Read before the probe writes: its own small write succeeding ends the fault in the
    // monitor, though the writes that failed (a report batch on a nearly full disk) may fail again.
    const faultBefore = store.faults.current;
    try {
      await timeLimit(store.knex.raw('select 1'), 'the database');
      checks.database = { ok: true };
    } catch (error) {
      store.faults.failed(error, 'readiness probe');
      checks.database = failure(error);
    }
    if (checks.database.ok) {
      try {
        await timeLimit(store.settings.set('readyProbe', new Date().toISOString()), 'a database write');
        checks['database.write'] = { ok: true };
      } catch (error) {
        store.faults.failed(error, 'readiness probe');
        checks['database.write'] = failure(error);
      }
      try {
        const pending = await timeLimit(store.pendingMigrations(), 'the migration table');
        checks['database.migrations'] =
          pending.length === 0
            ? { ok: true }
            : { ok: false, kind: 'migrations_pending', error: `${pending.length} migrations not applied` };
      } catch (error) {
        // Also when the database holds migrations this collector does not know (a newer node ran them).
        checks['database.migrations'] = { ok: false, kind: 'migrations_unknown', error: (error as Error).message.slice(0, 300) };
      }
    }
    // A report batch may fail where the small probe write succeeds (a nearly full disk).
    const fault = store.faults.current ?? faultBefore;
    if (fault && checks['database.write'].ok)
      checks['database.write'] = { ok: false, kind: fault.kind, code: fault.code, error: fault.message };
    const failing = Object.entries(checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    return {
      ready: failing.length === 0,
      failing,
      checks,
      ...(fault
        ? {
            fault: {
              kind: fault.kind,
              code: fault.code,
              error: fault.message,
              since: new Date(fault.since).toISOString(),
              failures: fault.failures,
            },
          }
        : {}),
    };
  }
}

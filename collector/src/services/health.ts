import { DB_FAULT_KINDS } from '../store/db-errors.js';
import type { DbFaultMonitor } from '../store/db-faults.js';
import type { Store } from '../store/store.js';
import { ReadinessProbe, type Readiness } from './readiness.js';

export { DB_FAULT_KINDS, type DbFaultMonitor, type Readiness };
export { isTransientDbFault } from '../store/db-errors.js';

/**
 * The database as operators see it: whether it answers, accepts a write and has every
 * migration (/readyz), and the fault the collector is living through (logged once,
 * counted by kind for /metrics, and what agents and HTTP clients are told to wait out).
 */
export class HealthService {
  readonly database: Store['dialect'];
  readonly faults: DbFaultMonitor;
  private readonly probe: ReadinessProbe;

  constructor(store: Store) {
    this.database = store.dialect;
    this.faults = store.faults;
    this.probe = new ReadinessProbe(store);
  }

  /** Readiness, probed at most once a second however often it is asked. */
  readiness(): Promise<Readiness> {
    return this.probe.check();
  }
}

import type { Store } from '../store/store.js';

/** Whether the database answers, for /healthz. */
export class HealthService {
  readonly database: Store['dialect'];

  constructor(private readonly store: Store) {
    this.database = store.dialect;
  }

  /** Resolves once the database answers; rejects when it does not. */
  check(): Promise<void> {
    return this.store.ping();
  }
}

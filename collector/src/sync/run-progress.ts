import type { Store } from '../store/store.js';

/** How often a running sync records its progress and renews its lease while pages arrive. */
const PROGRESS_MS = 1_000;

/**
 * A running sync's pages and devices as its run history shows them, and its lease. Written
 * on the first page, then at most once per PROGRESS_MS, not per page: each write is a commit
 * (on SQLite an fsync on the connection decisions wait for). When pages stop arriving (a slow
 * or hung vendor) the heartbeat calls `flush`, so the history never lags by more than a tick.
 */
export class RunProgress {
  pages = 0;
  devices = 0;
  private recordedAt = 0;
  private recordedPages = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly lease: { integrationId: string; node: string; ms: number },
  ) {}

  async page(devices: number): Promise<void> {
    this.pages += 1;
    this.devices += devices;
    if (Date.now() - this.recordedAt >= PROGRESS_MS) await this.record();
  }

  /** Records what the history does not show yet (from the heartbeat). */
  async flush(): Promise<void> {
    if (this.recordedPages !== this.pages) await this.record();
  }

  /** Renews the lease; throws when another collector took it over (its run must not commit). */
  async holdLease(): Promise<void> {
    const { integrationId, node, ms } = this.lease;
    if (!(await this.store.integrations.renewLease(integrationId, node, Date.now() + ms))) {
      throw new Error('the sync lease was lost to another collector');
    }
  }

  /** One write at a time, so an older count never lands after a newer one. */
  private record(): Promise<void> {
    this.recordedAt = Date.now();
    this.recordedPages = this.pages;
    const { pages, devices } = this;
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await this.store.syncRuns.progress(this.runId, pages, devices);
        await this.holdLease();
      });
    return this.writing;
  }
}

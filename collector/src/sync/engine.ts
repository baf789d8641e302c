import type { Logger } from 'pino';
import { conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Integration } from '../domain/integration.js';
import type { SyncRun } from '../domain/sync-run.js';
import { VendorError } from './http/vendor-error.js';
import { toStagedRecord } from './normalize.js';
import { sourceKind } from './registry.js';
import { nextSyncAt } from './schedule.js';
import { unsealSecrets } from './secrets.js';
import type { InventorySource, SourceDevice, TestResult } from './source.js';

export interface SyncEngineOptions {
  store: Store;
  masterKey: Buffer;
  log: Logger;
  /** This process's name in leases and run history. */
  node: string;
  fetch?: typeof fetch;
  /** Runs at once in this process; more wait for the next tick. */
  maxConcurrent?: number;
  /** A lease not renewed for this long is taken over (its holder died). */
  leaseMs?: number;
  tickMs?: number;
}

/**
 * Runs inventory syncs: on demand, on each integration's schedule, and for CSV uploads.
 * A run streams pages into a new generation and commits it only when the whole inventory
 * was read; any failure discards the staged generation, so the last good one stays.
 */
export class SyncEngine {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(private readonly options: SyncEngineOptions) {
    this.log = options.log.child({ component: 'sync' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.tick().catch((error) => this.log.error({ err: error }, 'scheduler tick failed')),
      this.options.tickMs ?? 30_000,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const run of this.running.values()) run.controller.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Starts scheduled runs that are due, up to the concurrency bound. */
  async tick(now = Date.now()): Promise<void> {
    for (const integration of await this.options.store.integrations.dueForSync(now)) {
      if (this.running.size >= (this.options.maxConcurrent ?? 2)) return;
      const kind = sourceKind(integration.kind);
      if (!kind || integration.kind === 'csv') continue;
      await this.options.store.integrations.update(integration.id, {
        nextSyncAt: nextSyncAt(integration.schedule, kind.defaultIntervalMinutes, now),
      });
      await this.startRun(integration.id, 'schedule').catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'SYNC_RUNNING')
          this.log.warn({ integrationId: integration.id, err: error }, 'scheduled sync not started');
      });
    }
  }

  /** Starts a run in the background; resolves once the run is recorded. */
  async startRun(integrationId: string, trigger: SyncRun['trigger']): Promise<SyncRun> {
    const integration = await this.requireIntegration(integrationId);
    const source = await this.sourceFor(integration);
    const run = await this.begin(integration, trigger);
    const controller = new AbortController();
    const runLog = this.log.child({ integrationId: integration.id, kind: integration.kind, syncId: run.id });
    const done = this.execute(integration, run, source.pages({ signal: controller.signal, log: runLog }), controller.signal)
      .catch(() => undefined) // already recorded on the run
      .finally(() => this.running.delete(integrationId));
    this.running.set(integrationId, { controller, done });
    return run;
  }

  /** Runs a sync to its end (CLI, tests and uploads); resolves with the finished run. */
  async runNow(integrationId: string, trigger: SyncRun['trigger'] = 'manual'): Promise<SyncRun> {
    const run = await this.startRun(integrationId, trigger);
    await this.running.get(integrationId)?.done;
    return (await this.options.store.syncRuns.get(run.id)) as SyncRun;
  }

  /** Replaces an integration's inventory with the given pages (CSV upload), as one run. */
  async ingest(integrationId: string, pages: AsyncIterable<SourceDevice[]>): Promise<SyncRun> {
    const integration = await this.requireIntegration(integrationId);
    const run = await this.begin(integration, 'upload');
    const controller = new AbortController();
    const done = this.execute(integration, run, pages, controller.signal);
    this.running.set(integrationId, { controller, done });
    try {
      await done;
    } finally {
      this.running.delete(integrationId);
    }
    return (await this.options.store.syncRuns.get(run.id)) as SyncRun;
  }

  async test(integrationId: string): Promise<TestResult> {
    const integration = await this.requireIntegration(integrationId);
    const source = await this.sourceFor(integration);
    try {
      // Long enough for the vendor client's own retries to finish and say what failed.
      return await source.test({ signal: AbortSignal.timeout(180_000), log: this.log.child({ integrationId }) });
    } catch (error) {
      return { ok: false, message: this.describe(error, integration) };
    }
  }

  /** Builds the vendor source with unsealed credentials; they live only in this call chain. */
  async sourceFor(integration: Integration): Promise<InventorySource> {
    const kind = sourceKind(integration.kind);
    if (!kind) throw notFound(`integration kind ${integration.kind}`);
    const secrets = unsealSecrets(
      this.options.masterKey,
      integration.id,
      await this.options.store.integrations.sealedSecrets(integration.id),
    );
    return kind.create({ ...integration.config, ...secrets }, this.options.fetch ? { fetch: this.options.fetch } : {});
  }

  private async requireIntegration(id: string): Promise<Integration> {
    const integration = await this.options.store.integrations.get(id);
    if (!integration) throw notFound('integration');
    return integration;
  }

  private async begin(integration: Integration, trigger: SyncRun['trigger']): Promise<SyncRun> {
    const { store, node } = this.options;
    const now = Date.now();
    if (this.running.has(integration.id) || !(await store.integrations.acquireLease(integration.id, node, now + this.leaseMs(), now))) {
      throw conflict('SYNC_RUNNING', 'a sync of this integration is already running');
    }
    try {
      // A run still marked running here belonged to a process whose lease expired.
      await store.syncRuns.failAbandoned(integration.id, 'the collector running this sync stopped');
      return await store.syncRuns.start(integration.id, trigger, node);
    } catch (error) {
      await store.integrations.releaseLease(integration.id, node).catch(() => undefined);
      throw error;
    }
  }

  private leaseMs(): number {
    return this.options.leaseMs ?? 120_000;
  }

  private async execute(integration: Integration, run: SyncRun, pages: AsyncIterable<SourceDevice[]>, signal: AbortSignal): Promise<void> {
    const { store, node } = this.options;
    const log = this.log.child({ integrationId: integration.id, kind: integration.kind, syncId: run.id });
    let pageCount = 0;
    let devices = 0;
    try {
      for await (const page of pages) {
        if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
        const staged = page.map(toStagedRecord).filter((r) => r !== null);
        await store.inventory.insertPage(integration.id, run.id, devices, staged);
        pageCount += 1;
        devices += staged.length;
        await store.syncRuns.progress(run.id, pageCount, devices);
        if (!(await store.integrations.renewLease(integration.id, node, Date.now() + this.leaseMs()))) {
          throw new Error('the sync lease was lost to another collector');
        }
      }
      await store.inventory.commitGeneration(integration.id, run.id, Date.now());
      await store.syncRuns.finish(run.id, 'succeeded', { pages: pageCount, devices });
      log.info({ pages: pageCount, devices }, 'sync succeeded');
    } catch (error) {
      const message = this.describe(error, integration);
      const cancelled = signal.aborted || (error instanceof VendorError && error.code === 'CANCELLED');
      await store.inventory
        .discardGeneration(integration.id, run.id)
        .catch((e) => log.error({ err: e }, 'discarding staged inventory failed'));
      await store.syncRuns.finish(run.id, cancelled ? 'cancelled' : 'failed', { pages: pageCount, devices, error: message });
      if (error instanceof VendorError || (error as { expose?: boolean }).expose)
        log.warn({ error: message }, 'sync failed; last good inventory kept');
      else log.error({ err: error }, 'sync failed; last good inventory kept');
      if ((error as { expose?: boolean }).expose) throw error;
    } finally {
      await store.integrations.releaseLease(integration.id, node).catch(() => undefined);
    }
  }

  /**
   * A message for run history and the test button: the vendor's words, never a
   * credential, and nothing internal (a database error may quote inventory rows).
   */
  private describe(error: unknown, integration: Integration): string {
    if (error instanceof VendorError) return error.message;
    if ((error as { expose?: boolean }).expose) return (error as Error).message;
    return `internal error during the ${integration.kind} sync; the collector log has the details`;
  }
}

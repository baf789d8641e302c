import type { Logger } from 'pino';
import { conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Integration } from '../domain/integration.js';
import type { SyncRun } from '../domain/sync-run.js';
import { measuredFetch, type CollectorMetrics } from '../metrics/collector-metrics.js';
import { guardSource } from './guard.js';
import { Scrubber } from './kit/scrub.js';
import { callTimeouts, withTimeouts, type CallType } from './kit/timeouts.js';
import { scrub, VendorError } from './kit/vendor-error.js';
import { RunProgress } from './run-progress.js';
import { stagePages } from './stage-pages.js';
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from './sync-limits.js';
import { sourceKind } from './registry.js';
import { nextSyncAt } from './schedule.js';
import { unsealSecrets } from './secrets.js';
import { shrinkRefusal } from './shrink-guard.js';
import { SlotWaits, type SlotWait } from './slot-waits.js';
import { DEFAULT_SLOTS, manualSlotsFull, occupants, type SlotHolder } from './slots.js';
import type { InventorySource, SourceDevice, TestResult } from './source.js';

/** How often a running sync checks for a cancel asked through another collector process. */
const CANCEL_POLL_MS = 2_000;

export interface SyncEngineOptions {
  store: Store;
  masterKey: Buffer;
  log: Logger;
  /** This process's name in leases and run history. */
  node: string;
  fetch?: typeof fetch;
  /** Counts runs and vendor requests (absent: not counted). */
  metrics?: CollectorMetrics;
  /** Scheduled runs at once in this process; more wait for the next tick (manual runs do not count: slots.ts). */
  maxConcurrent?: number;
  /** Manual runs at once in this process; one more is refused with 409 SYNC_SLOTS_FULL. */
  maxManual?: number;
  /** A lease not renewed for this long is taken over (its holder died). */
  leaseMs?: number;
  tickMs?: number;
  /** Bounds on what a vendor may make a run read (sync-limits.ts); tests pass smaller ones. */
  limits?: Partial<SyncLimits>;
}

/**
 * Runs inventory syncs: on demand, on each integration's schedule, and for CSV uploads.
 * A run streams pages into a new generation and commits it only when the whole inventory
 * was read; any failure discards the staged generation, so the last good one stays.
 */
export class SyncEngine {
  private readonly running = new Map<string, RunningEntry>();
  /**
   * Integrations whose run is being started (between the check in `begin` and `running.set`):
   * claimed before the first await, because the lease admits its own holder, so two requests
   * in this process would otherwise both start a run and one would purge the other's inventory.
   */
  private readonly starting = new Map<string, SlotHolder>();
  private timer: NodeJS.Timeout | null = null;
  /**
   * Aborted by stop(): a run's purge or discard then ends between statements instead of
   * pacing itself through a large inventory past the supervisor's stop timeout (systemd's
   * TimeoutStopSec). What is left is unreachable, and the next commit removes it.
   */
  private readonly stopping = new AbortController();
  private readonly log: Logger;
  private readonly waits: SlotWaits;
  /** The defaults with the options' overrides (tests'), fixed for the engine's life. */
  private readonly limits: SyncLimits;

  constructor(private readonly options: SyncEngineOptions) {
    this.log = options.log.child({ component: 'sync' });
    this.waits = new SlotWaits(this.log);
    this.limits = { ...DEFAULT_SYNC_LIMITS, ...options.limits };
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
    this.stopping.abort();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const run of this.running.values()) run.controller.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Starts scheduled runs that are due, up to the scheduled bound (manual runs take other slots). */
  async tick(now = Date.now()): Promise<void> {
    const waiting = new Set<string>();
    for (const integration of await this.options.store.integrations.dueForSync(now)) {
      const kind = sourceKind(integration.kind);
      if (!kind?.capabilities.sync) continue;
      const scheduled = this.busy('schedule');
      if (scheduled.length >= (this.options.maxConcurrent ?? DEFAULT_SLOTS.schedule)) {
        // Still due (nextSyncAt unchanged): it starts on the first tick with a free slot.
        if (!this.running.has(integration.id) && !this.starting.has(integration.id)) {
          this.waits.waiting(integration, integration.nextSyncAt ?? now, scheduled);
          waiting.add(integration.id);
        }
        continue;
      }
      await this.options.store.integrations.update(integration.id, {
        nextSyncAt: nextSyncAt(integration.schedule, kind.defaultIntervalMinutes, now),
      });
      await this.startRun(integration.id, 'schedule').catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'SYNC_RUNNING')
          this.log.warn({ integrationId: integration.id, err: error }, 'scheduled sync not started');
      });
    }
    this.waits.keepOnly(waiting);
  }

  /** Why the integration's due scheduled sync has not started (all scheduled slots taken), or null. */
  slotWait(integrationId: string): SlotWait | null {
    return this.waits.get(integrationId);
  }

  /**
   * Starts a run in the background; resolves once the run is recorded. `allowEmpty`: an admin
   * confirmed that this one run may empty the inventory or shrink it past the integration's
   * limit; a scheduled run never may.
   */
  async startRun(
    integrationId: string,
    trigger: SyncRun['trigger'],
    options: { allowEmpty?: boolean; minDevices?: number } = {},
  ): Promise<SyncRun> {
    const integration = await this.requireIntegration(integrationId);
    const { source, scrubber } = await this.guardedSource(integration, 'sync');
    const run = await this.begin(integration, trigger, { allowEmpty: trigger === 'manual' && options.allowEmpty === true });
    const holder = { trigger, name: integration.name };
    const controller = new AbortController();
    const runLog = this.log.child({ integrationId: integration.id, kind: integration.kind, syncId: run.id });
    const pages = source.pages({ signal: controller.signal, log: runLog });
    const done = this.execute(integration, run, pages, controller, scrubber, {
      guardShrink: true,
      ...(run.allowEmpty && options.minDevices !== undefined ? { minDevices: options.minDevices } : {}),
    })
      .catch(() => undefined) // already recorded on the run
      .finally(() => this.running.delete(integrationId));
    this.started(integrationId, { ...holder, runId: run.id, controller, done });
    return run;
  }

  /** Runs a sync to its end (CLI, tests and uploads); resolves with the finished run. */
  async runNow(
    integrationId: string,
    trigger: SyncRun['trigger'] = 'manual',
    options: { allowEmpty?: boolean; minDevices?: number } = {},
  ): Promise<SyncRun> {
    const run = await this.startRun(integrationId, trigger, options);
    await this.running.get(integrationId)?.done;
    return this.finishedRun(run.id);
  }

  /** A run once it ended; 404 when its integration was deleted meanwhile (its runs went with it). */
  private async finishedRun(runId: string): Promise<SyncRun> {
    const run = await this.options.store.syncRuns.get(runId);
    if (!run) throw notFound('integration');
    return run;
  }

  /** Replaces an integration's inventory with the given pages (CSV upload), as one run. */
  async ingest(integrationId: string, pages: AsyncIterable<SourceDevice[]>): Promise<SyncRun> {
    const integration = await this.requireIntegration(integrationId);
    const run = await this.begin(integration, 'upload', {});
    const controller = new AbortController();
    // An upload is the admin's own file: CSV parsing refuses an empty one unless asked (allowEmpty).
    const done = this.execute(integration, run, pages, controller, new Scrubber(), { guardShrink: false });
    this.started(integrationId, { trigger: 'upload', name: integration.name, runId: run.id, controller, done });
    try {
      await done;
    } finally {
      this.running.delete(integrationId);
    }
    return this.finishedRun(run.id);
  }

  /**
   * "Test Configuration": one authenticated call, bounded by the test timeouts (a vendor
   * that never answers is reported as such within seconds). `ok` stays the answer's
   * boolean: devtrustctl exits non-zero on false.
   */
  async test(integrationId: string): Promise<TestResult> {
    const integration = await this.requireIntegration(integrationId);
    const { source, scrubber } = await this.guardedSource(integration, 'test');
    const limits = callTimeouts(integration.config, 'test');
    // Room for a token request, the call itself and one retry of a quick failure.
    const overallMs = limits.responseMs * 3;
    const signal = AbortSignal.timeout(overallMs);
    const vendor = sourceKind(integration.kind)?.vendorName ?? integration.kind;
    const gaveUp = { ok: false, message: `${vendor} did not answer in ${overallMs / 1000} s` };
    try {
      const result = await source.test({ signal, log: this.log.child({ integrationId }) });
      return !result.ok && signal.aborted ? gaveUp : result;
    } catch (error) {
      if (signal.aborted) return gaveUp;
      return { ok: false, message: this.describe(error, integration, scrubber) };
    }
  }

  /**
   * Builds the vendor source with unsealed credentials; they live only in this call chain.
   * Its requests are bounded by the call type's timeouts, and every message it gives is
   * scrubbed of the credentials (the EDR assessor asks for `lookup` sources).
   */
  async sourceFor(integration: Integration, call: CallType = 'sync'): Promise<InventorySource> {
    return (await this.guardedSource(integration, call)).source;
  }

  private async guardedSource(integration: Integration, call: CallType): Promise<{ source: InventorySource; scrubber: Scrubber }> {
    const kind = sourceKind(integration.kind);
    if (!kind) throw notFound(`integration kind ${integration.kind}`);
    const secrets = unsealSecrets(
      this.options.masterKey,
      integration.id,
      await this.options.store.integrations.sealedSecrets(integration.id),
    );
    const scrubber = new Scrubber(Object.values(secrets));
    const { timeouts: _timeouts, maxInventoryDropPercent: _maxDrop, ...config } = integration.config;
    const bounded = withTimeouts(
      this.options.fetch ?? fetch,
      callTimeouts(integration.config, call),
      kind.vendorName,
      this.limits.maxAnswerBytes,
    );
    const fetchImpl = this.options.metrics ? measuredFetch(bounded, integration.kind, this.options.metrics) : bounded;
    return { source: guardSource(kind.create({ ...config, ...secrets }, { fetch: fetchImpl }), scrubber), scrubber };
  }

  /**
   * Stops the integration's running sync. A run in this process is aborted at once (its
   * vendor request too); a run in another collector process sees the request within a few
   * seconds. A cancelled run discards what it staged: the last good inventory stays whole.
   */
  async cancel(integrationId: string): Promise<SyncRun> {
    const { store } = this.options;
    await this.requireIntegration(integrationId);
    const run = await store.syncRuns.running(integrationId);
    if (!run) throw conflict('SYNC_NOT_RUNNING', 'no sync of this integration is running');
    await store.syncRuns.requestCancel(run.id, Date.now());
    const local = this.running.get(integrationId);
    if (local?.runId === run.id) {
      local.controller.abort();
      await local.done.catch(() => undefined);
    } else if (!(await store.integrations.leaseHeld(integrationId, Date.now()))) {
      // Nobody holds the lease: the process that ran it is gone, so nothing else will end it.
      await store.syncRuns.finish(run.id, 'cancelled', { pages: run.pages, devices: run.devices, error: 'the sync was cancelled' });
    }
    return (await store.syncRuns.get(run.id)) as SyncRun;
  }

  private async requireIntegration(id: string): Promise<Integration> {
    const integration = await this.options.store.integrations.get(id);
    if (!integration) throw notFound('integration');
    return integration;
  }

  /**
   * Ends what a collector process on this host left behind when it was killed (`kill -9`, a
   * crash, a power cut): its sync leases and the runs still marked running under them. Its
   * node name says which process it was (`host:pid:…`); one whose pid no longer runs here
   * cannot come back, so the next upload or sync need not wait for its lease to expire.
   * Leases of other hosts (or of live processes) are left to expire.
   */
  async recoverDeadLocalRuns(): Promise<void> {
    const { store, node } = this.options;
    for (const { id, owner } of await store.integrations.heldLeases()) {
      if (owner === node || !diedOnThisHost(owner, node)) continue;
      await store.integrations.releaseLease(id, owner);
      await store.syncRuns.failAbandoned(id, 'the collector running this sync stopped (killed or crashed)');
      this.log.warn({ integrationId: id, node: owner }, 'sync left running by a stopped collector marked failed; last good inventory kept');
    }
  }

  private async begin(integration: Integration, trigger: SyncRun['trigger'], options: { allowEmpty?: boolean }): Promise<SyncRun> {
    const { store, node } = this.options;
    const now = Date.now();
    const alreadyRunning = () => conflict('SYNC_RUNNING', 'a sync of this integration is already running');
    if (this.running.has(integration.id) || this.starting.has(integration.id)) throw alreadyRunning();
    // Counted and claimed before the first await, so concurrent requests cannot all pass the check.
    if (trigger === 'manual') {
      const manual = this.busy('manual');
      if (manual.length >= (this.options.maxManual ?? DEFAULT_SLOTS.manual)) throw manualSlotsFull(manual);
    }
    // Released by the caller once the run is in `running` (see `started`), or here on failure.
    this.starting.set(integration.id, { trigger, name: integration.name });
    try {
      // Runs a killed collector on this host left behind would hold the lease for minutes.
      await this.recoverDeadLocalRuns();
      if (!(await store.integrations.acquireLease(integration.id, node, now + this.leaseMs(), now))) throw alreadyRunning();
      try {
        // A run still marked running here belonged to a process whose lease expired.
        await store.syncRuns.failAbandoned(integration.id, 'the collector running this sync stopped');
        return await store.syncRuns.start(integration.id, trigger, node, options);
      } catch (error) {
        await store.integrations.releaseLease(integration.id, node).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      this.starting.delete(integration.id);
      throw error;
    }
  }

  /** The run `begin` started is in `running` now: that guards it from here on. */
  private started(integrationId: string, entry: RunningEntry): void {
    this.running.set(integrationId, entry);
    this.starting.delete(integrationId);
  }

  /** The names of this process's runs of `trigger`, started or starting. */
  private busy(trigger: 'schedule' | 'manual'): string[] {
    return occupants([...this.running.values(), ...this.starting.values()], trigger);
  }

  private leaseMs(): number {
    return this.options.leaseMs ?? 120_000;
  }

  private async execute(
    integration: Integration,
    run: SyncRun,
    pages: AsyncIterable<SourceDevice[]>,
    controller: AbortController,
    scrubber: Scrubber,
    /**
     * `guardShrink`: a vendor sync, refused when it would empty or shrink the inventory unconfirmed
     * (an upload is the admin's own file); `minDevices`: a confirmed run's floor.
     */
    options: { guardShrink: boolean; minDevices?: number },
  ): Promise<void> {
    const { store, node } = this.options;
    const { signal } = controller;
    const log = this.log.child({ integrationId: integration.id, kind: integration.kind, syncId: run.id });
    let committed = false;
    const progress = new RunProgress(store, run.id, { integrationId: integration.id, node, ms: this.leaseMs() });
    const heartbeat = this.heartbeat(integration.id, run.id, controller, progress, log);
    try {
      await stagePages(
        pages,
        (startIndex, records) =>
          store.inventory.insertPage(integration.id, run.id, startIndex, records).then(() => progress.page(records.length)),
        signal,
        { vendor: sourceKind(integration.kind)?.vendorName ?? integration.kind, ...this.limits },
      );
      // The last moment a cancel counts: once the generation is switched, the run succeeded.
      if (signal.aborted) throw new VendorError('CANCELLED', 'the sync was cancelled');
      // A vendor that lists no devices, or far fewer than before (a token whose scope changed,
      // a tenant answering empty for a while), would otherwise untrust much of the fleet at
      // once: such a sync keeps the last good inventory unless an admin confirmed this run, and
      // a confirmed one unless it lists fewer than the confirmation accepted (shrink-guard.ts).
      // (A confirmed run without a floor skips the count: nothing it lists is refused.)
      if (options.guardShrink && (!run.allowEmpty || options.minDevices !== undefined)) {
        const refusal = shrinkRefusal({
          kept: await store.inventory.count(integration.id),
          found: progress.devices,
          allowEmpty: run.allowEmpty,
          ...(options.minDevices !== undefined ? { minDevices: options.minDevices } : {}),
          maxDropPercent: integration.config.maxInventoryDropPercent as number | undefined,
        });
        if (refusal) throw refusal;
      }
      clearInterval(heartbeat);
      // Still ours: another collector that took an expired lease may be staging its own run.
      await progress.holdLease();
      await store.inventory.switchGeneration(integration.id, run.id, Date.now());
      committed = true;
      await store.syncRuns.finish(run.id, 'succeeded', { pages: progress.pages, devices: progress.devices });
      this.options.metrics?.syncEnded(integration, 'succeeded');
      log.info({ pages: progress.pages, devices: progress.devices }, 'sync succeeded');
      // Still under the lease, renewed while the purge runs (it yields to sign-ins and can take
      // minutes beside them), so no other run starts before the previous inventory is gone.
      const leaseLost = new AbortController();
      const keepLease = setInterval(() => {
        store.integrations
          .renewLease(integration.id, node, Date.now() + this.leaseMs())
          .then((held) => {
            // Another collector holds it now: its runs are no longer ours to clear up after.
            if (!held) leaseLost.abort();
          })
          .catch((error: unknown) => log.warn({ err: error }, 'renewing the sync lease during the purge failed'));
      }, this.leaseMs() / 4);
      keepLease.unref();
      try {
        await store.inventory.purgeOtherGenerations(integration.id, run.id, AbortSignal.any([this.stopping.signal, leaseLost.signal]));
      } finally {
        clearInterval(keepLease);
      }
    } catch (error) {
      if (committed) {
        // The new inventory is live; only deleting the previous one failed (the next commit retries it).
        log.error({ err: scrubbedError(error, scrubber) }, 'sync committed; removing the previous inventory failed');
        return;
      }
      const message = this.describe(error, integration, scrubber);
      const cancelled = signal.aborted || (error instanceof VendorError && error.code === 'CANCELLED');
      await store.inventory
        .discardGeneration(integration.id, run.id, this.stopping.signal)
        .catch((e) => log.error({ err: scrubbedError(e, scrubber) }, 'discarding staged inventory failed'));
      await store.syncRuns.finish(run.id, cancelled ? 'cancelled' : 'failed', {
        pages: progress.pages,
        devices: progress.devices,
        // Stopping the collector cancels its runs: said so, not as if an admin had cancelled it.
        error: !cancelled ? message : this.stopping.signal.aborted ? 'the collector was stopped during the sync' : 'the sync was cancelled',
        errorCode: cancelled ? null : errorCode(error),
      });
      this.options.metrics?.syncEnded(integration, cancelled ? 'cancelled' : 'failed');
      if (cancelled) log.info({ pages: progress.pages, devices: progress.devices }, 'sync cancelled; last good inventory kept');
      else if (error instanceof VendorError || (error as { expose?: boolean }).expose)
        log.warn({ error: message }, 'sync failed; last good inventory kept');
      else log.error({ err: scrubbedError(error, scrubber) }, 'sync failed; last good inventory kept');
      if ((error as { expose?: boolean }).expose) throw error;
    } finally {
      clearInterval(heartbeat);
      await store.integrations.releaseLease(integration.id, node).catch(() => undefined);
    }
  }

  /**
   * While a run waits on its vendor it writes nothing, so this keeps its lease alive, records
   * the pages it staged since the last record, and picks up a cancel asked through another
   * collector process.
   */
  private heartbeat(integrationId: string, runId: string, controller: AbortController, progress: RunProgress, log: Logger): NodeJS.Timeout {
    const { store, node } = this.options;
    let renewedAt = Date.now();
    const timer = setInterval(() => {
      void (async () => {
        if (await store.syncRuns.cancelRequested(runId)) controller.abort();
        await progress.flush();
        if (Date.now() - renewedAt > this.leaseMs() / 4) {
          renewedAt = Date.now();
          await store.integrations.renewLease(integrationId, node, renewedAt + this.leaseMs());
        }
      })().catch((error: unknown) => log.warn({ err: error }, 'sync heartbeat failed'));
    }, CANCEL_POLL_MS);
    timer.unref();
    return timer;
  }

  /**
   * A message for run history and the test button: the vendor's words, never a
   * credential, and nothing internal (a database error may quote inventory rows).
   */
  private describe(error: unknown, integration: Integration, scrubber: Scrubber): string {
    if (error instanceof VendorError) return scrub(error.message, scrubber);
    if ((error as { expose?: boolean }).expose) return scrub((error as Error).message, scrubber);
    return `internal error during the ${integration.kind} sync; the collector log has the details`;
  }
}

/** A run this process holds: its slot, and how to stop it and wait for its end. */
interface RunningEntry extends SlotHolder {
  runId: string;
  controller: AbortController;
  done: Promise<void>;
}

/** A failure's stable code for run history (the console offers the confirmed sync by it); none for an internal error. */
function errorCode(error: unknown): string | null {
  if (error instanceof VendorError) return error.code;
  const e = error as { expose?: boolean; code?: unknown };
  return e?.expose && typeof e.code === 'string' ? e.code : null;
}

/** An unexpected error for the log, with any credential removed from its message and stack. */
function scrubbedError(error: unknown, scrubber: Scrubber): Record<string, unknown> {
  const e = error as { name?: string; message?: string; stack?: string; code?: unknown };
  return {
    type: e?.name ?? typeof error,
    message: scrubber.clean(String(e?.message ?? error)),
    ...(e?.stack ? { stack: scrubber.clean(e.stack) } : {}),
    ...(e?.code !== undefined ? { code: e.code } : {}),
  };
}

/** Whether `owner` (a node name, `host:pid:random`) was a process of this host that no longer runs. */
function diedOnThisHost(owner: string, self: string): boolean {
  const parts = owner.split(':');
  const mine = self.split(':');
  if (parts.length < 3 || mine.length < 3) return false;
  const host = parts.slice(0, -2).join(':');
  const pid = Number(parts[parts.length - 2]);
  if (host !== mine.slice(0, -2).join(':') || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false; // a process with that pid runs (it may be another one: then the lease expires as usual)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Logger } from 'pino';
import { unresolvedMdmVariable } from '@devtrust/shared/identity/mdm-device-id';
import type { Report, Standing, TransactionInfo, VerdictMessage } from '@devtrust/shared/protocol';
import { LIMITS } from '@devtrust/shared/protocol/limits';
import { collectDevice } from '../collect/index.js';
import type { Collected } from '../collect/probe.js';
import type { AgentConfig } from '../config/config.js';
import { FileKeyStore, type KeyStore } from '../keys/key-store.js';
import type { DeviceKeyStores } from '../keys/select-device-key.js';
import { AgentLink, type LinkStatus } from '../link/agent-link.js';
import { StateFile } from '../link/state.js';
import { LoopbackDoor } from '../loopback/door.js';
import { AGENT_VERSION } from '../version.js';

export interface AgentDeps {
  log: Logger;
  keyStore?: KeyStore;
  /** Software and hardware device key stores (keys/select-device-key.ts); default: software in keyStore. */
  deviceKeys?: DeviceKeyStores;
  /** Collection override (tests); default: the per-OS collectors or --identity FILE. */
  collect?: () => Promise<Collected>;
  /** Certificate for the loopback door when the collector is not on loopback. */
  loopbackTls?: () => Promise<{ cert: string; key: string } | null>;
  /** Start the loopback door (default true; `--once` never does). */
  loopback?: boolean;
}

export interface AgentStatus {
  link: LinkStatus;
  endpointId: string | null;
  collectorUrl: string;
  /** Set when the enrollment was carried over from an earlier URL of this collector (previousCollectorUrls). */
  enrollmentMovedFrom?: { collectorUrl: string; at: string } | null;
  lastError: string | null;
  loopbackPort: number | null;
  lastReport: { at: string; report: Report } | null;
  lastVerdict: (VerdictMessage & { at: string }) | null;
}

/**
 * Says once, at start, why managed trusted endpoint settings will not give the MDM-asserted
 * level: one of the pair is missing, or the MDM did not fill its variable in. The key itself
 * is never logged.
 */
function warnAboutTrustedEndpoint(config: AgentConfig, log: Logger): void {
  const { trustedEndpointIdentifier: identifier, trustedEndpointsKey: key } = config.managed;
  if ((identifier === undefined) !== (key === undefined))
    log.warn(
      { missing: identifier === undefined ? 'trustedEndpointIdentifier' : 'trustedEndpointsKey' },
      'managed settings hold only one of the trusted endpoint settings: no MDM-asserted identity is reported',
    );
  else if (identifier !== undefined && unresolvedMdmVariable(identifier))
    log.warn({ trustedEndpointIdentifier: identifier }, 'the MDM did not fill in its device ID variable in trustedEndpointIdentifier');
}

/** `--identity FILE`. Loaded when used: checking the file needs zod, which the agent otherwise never loads. */
async function identityFromFile(file: string): Promise<Collected> {
  const { readIdentityFile } = await import('./identity-file.js');
  return { identity: await readIdentityFile(file), posture: {}, probeErrors: {} };
}

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/**
 * The agent core, shared by the headless CLI and the tray app: collects the device,
 * keeps the collector session, reports on start and periodically, and serves the
 * loopback door. Emits 'status' whenever something an observer would show changes.
 */
export class Agent extends EventEmitter {
  readonly link: AgentLink;
  private door: LoopbackDoor | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastReport: AgentStatus['lastReport'] = null;
  private lastVerdict: AgentStatus['lastVerdict'] = null;
  /** Report whenever the session (re)connects: on in start(), off for runOnce(). */
  private autoReport = false;

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    super();
    this.link = new AgentLink({
      collectorUrl: config.collectorUrl,
      previousCollectorUrls: config.previousCollectorUrls ?? [],
      enrollmentKey: config.enrollmentKey,
      keepOtherEnrollment: config.keepOtherEnrollment ?? false,
      keyStore: deps.keyStore ?? new FileKeyStore(path.join(config.dataDir, 'device-key.pem')),
      ...(deps.deviceKeys ? { deviceKeys: deps.deviceKeys } : {}),
      stateFile: new StateFile(config.dataDir),
      log: deps.log.child({ component: 'link' }),
      // Only from managed settings: the point is that the MDM, not the user, put them there.
      trustedEndpoint:
        config.managed.trustedEndpointIdentifier && config.managed.trustedEndpointsKey
          ? { identifier: config.managed.trustedEndpointIdentifier, key: config.managed.trustedEndpointsKey }
          : null,
    });
    warnAboutTrustedEndpoint(config, deps.log);
    this.link.on('status', (status: LinkStatus) => {
      if (status === 'connected' && this.autoReport)
        void this.reportNow().catch((error: unknown) => deps.log.warn({ err: (error as Error).message }, 'report failed'));
      this.emit('status', this.status());
    });
    this.link.on('verdict', (verdict: VerdictMessage) => {
      this.lastVerdict = { ...verdict, at: new Date().toISOString() };
      this.emit('status', this.status());
    });
  }

  status(): AgentStatus {
    return {
      link: this.link.status,
      endpointId: this.link.endpointId,
      collectorUrl: this.config.collectorUrl,
      enrollmentMovedFrom: this.link.movedFrom,
      lastError: this.link.lastError,
      loopbackPort: this.door?.port ?? null,
      lastReport: this.lastReport,
      lastVerdict: this.lastVerdict,
    };
  }

  async start(): Promise<void> {
    this.autoReport = true;
    await this.link.start();
    if (this.deps.loopback !== false) {
      const tls = isLoopbackUrl(this.config.collectorUrl) ? null : ((await this.deps.loopbackTls?.()) ?? null);
      if (!tls && !isLoopbackUrl(this.config.collectorUrl)) {
        this.deps.log.warn('no loopback certificate: the door serves plain HTTP, which browsers on HTTPS pages may refuse');
      }
      this.door = new LoopbackDoor({
        collectorOrigin: new URL(this.config.collectorUrl).origin,
        previousCollectorOrigins: (this.config.previousCollectorUrls ?? []).map((url) => new URL(url).origin),
        port: this.config.loopbackPort,
        tls,
        attest: async (tx) => {
          await this.attest(tx);
        },
        log: this.deps.log.child({ component: 'loopback' }),
      });
      const port = await this.door.start();
      this.deps.log.info({ port }, 'loopback door listening');
    }
    this.timer = setInterval(() => void this.reportNow().catch(() => undefined), LIMITS.reportIntervalSec * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.door?.stop();
    await this.link.stop();
  }

  async collectReport(): Promise<Report> {
    const collected = this.deps.collect
      ? await this.deps.collect()
      : this.config.identityFile
        ? await identityFromFile(this.config.identityFile)
        : await collectDevice();
    return {
      agentVersion: AGENT_VERSION,
      collectedAt: new Date().toISOString(),
      identity: collected.identity,
      posture: collected.posture,
      ...(Object.keys(collected.probeErrors).length > 0 ? { probeErrors: collected.probeErrors } : {}),
    };
  }

  async reportNow(): Promise<void> {
    const report = await this.collectReport();
    await this.link.report(report);
    this.lastReport = { at: new Date().toISOString(), report };
    this.emit('status', this.status());
  }

  /** Attests a transaction with a fresh report, so the verdict judges the device as it is now. */
  async attest(transactionId: string): Promise<VerdictMessage> {
    await this.reportNow();
    const verdict = await this.link.attest(transactionId);
    this.lastVerdict = { ...verdict, at: new Date().toISOString() };
    this.emit('status', this.status());
    return verdict;
  }

  /** Who a transaction is for: the tray asks the user before attesting a devtrust:// link. */
  describeTransaction(transactionId: string): Promise<TransactionInfo> {
    return this.link.describe(transactionId);
  }

  /**
   * `--once`: connect, enroll if needed, report, ask whether the device is trusted, and
   * stop. Gives up on the first failed connection (an unreachable collector is one clear
   * line, not a wait) and after `timeoutMs` at most. Throws LinkError with a clear message;
   * a collector that cannot answer the trust question yields `{ error }` instead.
   */
  async runOnce(timeoutMs = 5_000): Promise<{ standing: Standing } | { error: string }> {
    await this.link.start();
    try {
      await this.link.waitConnected(timeoutMs, { failFast: true });
      const report = await this.collectReport();
      await this.link.report(report);
      this.lastReport = { at: new Date().toISOString(), report };
      return await this.link.check().then(
        (standing) => ({ standing }),
        (error: Error) => ({ error: error.message }),
      );
    } finally {
      await this.link.stop();
    }
  }
}

import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CollectorConfig } from './config/config.js';
import { consoleMount } from './console/mount.js';
import { createEdrAssessor, type EdrAssessorOptions } from './edr/assessor.js';
import { createApp, type Mount } from './http/app.js';
import { removeDeadSpools } from './http/body.js';
import { startMetricsListener } from './http/metrics.js';
import { unlockMasterKey } from './keys/master-key.js';
import type { PromptOptions } from './oidc/mount.js';
import { AttestationLimits } from './limits/abuse-limits.js';
import { createLogger } from './log.js';
import { CollectorMetrics } from './metrics/collector-metrics.js';
import { registerInventoryGauges } from './metrics/inventory-gauges.js';
import { bootstrap, type FirstStartSecrets } from './services/bootstrap.js';
import { EndpointService } from './services/endpoints.js';
import { masterKeyOpens } from './services/master-key-probe.js';
import { RetentionService } from './services/retention.js';
import { createServices, type Services } from './services/services.js';
import { SettingsService } from './services/settings.js';
import { TransactionService } from './services/transactions.js';
import { TrustedEndpointsService } from './services/trusted-endpoints.js';
import { VerdictService, type EdrAssessor } from './services/verdicts.js';
import { Store } from './store/store.js';
import { SyncEngine, type SyncEngineOptions } from './sync/engine.js';
import { AgentChannel } from './ws/channel.js';
import { tuneHeap } from './v8-tuning.js';
import { capToOpenFiles, openFileLimit } from './limits/open-files.js';
import { databaseStartError } from './config/database-url.js';
import { lockDataDir, type DataDirInUseError, type DataDirLock } from './store/data-dir-lock.js';

export interface RunningCollector {
  /**
   * Where this process is reached: the public URL, except on port 0 (tests, benchmarks), where
   * it is HOST:PORT with the port it was given, even when DEVTRUST_PUBLIC_URL names a proxy.
   */
  url: string;
  /** The public URL (DEVTRUST_PUBLIC_URL, else HOST:PORT): what agents, browsers and applications use. */
  publicUrl: string;
  /** The address the collector itself listens on, as a URL; behind a proxy not the public URL. */
  listenUrl: string;
  port: number;
  services: Services;
  /** The agent channel (connections, sessions). */
  channel: AgentChannel;
  /** The storage underneath, for tests and benchmarks that set up or inspect rows directly. */
  store: Store;
  firstStart: FirstStartSecrets;
  /** The separate metrics listener's URL (DEVTRUST_METRICS_LISTEN), else null. */
  metricsUrl: string | null;
  /** On SQLite, the lock on the data dir (store/data-dir-lock.ts); tests call its check(). */
  dataDirLock?: DataDirLock;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Vendor API fetch override (tests route vendors to loopback servers). */
  fetch?: typeof fetch;
  /** Mounted after the core routes (OIDC provider, console). */
  mounts?: Mount[];
  /** Smaller sync limits than the defaults (tests: a vendor answer's bytes, a run's pages). */
  syncLimits?: SyncEngineOptions['limits'];
  /** Start the sync scheduler (default true). */
  scheduler?: boolean;
  /** Browser prompt settings tests override (agent ports, how long to wait for an agent). */
  prompt?: PromptOptions;
  /** Builds the EDR side of verdicts (default createEdrAssessor); tests wrap it to move its clock. */
  edrAssessor?: (options: EdrAssessorOptions) => EdrAssessor;
  dataDirLock?: {
    /** How often the lock's path is checked (store/data-dir-lock.ts, CHECK_EVERY_MS); 0: never, tests call check(). */
    checkEveryMs?: number;
    /**
     * Told when another process took the data dir's lock from under this collector (its lock file
     * was removed or replaced): two collectors may be on one database, and this one should stop.
     * By default the collector closes itself; the bin stops the process (exit 1).
     */
    onTaken?: (error: DataDirInUseError) => void;
  };
}

/** What a request that arrives while the collector is still starting gets (the port is bound first). */
function starting(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify({ error: { code: 'STARTING', message: 'the collector is starting; retry in a second' } }));
}

/**
 * Starts a collector: storage, first-start secrets, HTTP(S) + agent channel on one port.
 * Everything is built once, in dependency order, with what it needs: the services the
 * agent channel uses, the channel, then (once the port and so the public URL are known)
 * every other service and the HTTP edges.
 */
export async function startCollector(config: CollectorConfig, options: StartOptions = {}): Promise<RunningCollector> {
  // The bin applies it before loading anything; here for every other embedding.
  tuneHeap();
  const log = options.log ?? createLogger(config.logLevel);
  // On SQLite, before the database is even migrated: a second collector on the same file
  // refuses to start (store/data-dir-lock.ts). PostgreSQL nodes share by design.
  // Until the start is done, a lock taken from under it fails the start (below).
  let takenDuringStart: DataDirInUseError | null = null;
  let onTaken = (error: DataDirInUseError): void => void (takenDuringStart = error);
  const lock =
    config.databaseUrl === null
      ? await lockDataDir(config.dataDir, {
          log: log.child({ component: 'data-dir-lock' }),
          ...(options.dataDirLock?.checkEveryMs !== undefined ? { checkEveryMs: options.dataDirLock.checkEveryMs } : {}),
          onTaken: (error) => onTaken(error),
        })
      : null;
  let running: RunningCollector;
  try {
    running = await startLocked(config, options, log);
  } catch (error) {
    await lock?.release();
    throw error;
  }
  if (lock === null) return running;
  const close = running.close;
  // Released after the database closed: the next collector finds it idle.
  let closing: Promise<void> | null = null;
  const closeAndRelease = (): Promise<void> => (closing ??= close().finally(() => lock.release()));
  if (takenDuringStart) {
    await closeAndRelease();
    throw takenDuringStart;
  }
  onTaken =
    options.dataDirLock?.onTaken ??
    ((): void =>
      void closeAndRelease().catch((error: unknown) => log.error({ err: error }, 'closing after the data dir lock was taken failed')));
  return { ...running, dataDirLock: lock, close: closeAndRelease };
}

async function startLocked(config: CollectorConfig, options: StartOptions, log: Logger): Promise<RunningCollector> {
  let store: Store;
  try {
    store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: log.child({ component: 'database' }) });
  } catch (error) {
    // The driver says what failed ("password authentication failed for user …"), not which setting to fix.
    throw databaseStartError(config.databaseUrl, error);
  }
  const settings = new SettingsService(store);
  let masterKey: Buffer;
  try {
    masterKey = await unlockMasterKey(config.masterKey, config.dataDir, settings, (key) => masterKeyOpens(store, key));
  } catch (error) {
    await store.close();
    throw error;
  }
  const node = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const metrics = new CollectorMetrics();
  const engine = new SyncEngine({
    store,
    masterKey,
    log,
    node,
    metrics,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.syncLimits ? { limits: options.syncLimits } : {}),
  });
  const edrAssessor = (options.edrAssessor ?? createEdrAssessor)({ store, sources: engine, log });
  const trustedEndpoints = new TrustedEndpointsService(store, masterKey, log.child({ component: 'trusted-endpoints' }));
  const verdicts = new VerdictService(store, settings, edrAssessor, log.child({ component: 'verdicts' }), trustedEndpoints, metrics);
  const core = {
    settings,
    endpoints: new EndpointService(store, log.child({ component: 'endpoints' }), metrics),
    transactions: new TransactionService(store),
    verdicts,
    engine,
    trustedEndpoints,
  };

  const server = config.tls ? https.createServer({ cert: config.tls.cert, key: config.tls.key }, starting) : http.createServer(starting);
  // Slow or silent clients must not hold sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  // A cap the open-file limit cannot hold is cut to it (limits/open-files.ts), and said at start.
  const openFiles = openFileLimit();
  const connections = capToOpenFiles(config.connections, openFiles);
  const channel = new AgentChannel(server, {
    ...core,
    log,
    attestationLimits: new AttestationLimits(config.limits),
    enrollmentLimit: config.enrollmentRateLimit,
    retryAfterSec: config.agentRetrySec,
    faults: store.faults,
    connectionLimits: connections.limits,
    trustProxy: config.trustProxy,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  // Keys are generated only once the port is ours: a start that cannot listen (port busy)
  // leaves no keys file behind, and the next start generates and shows them. Until then
  // every admin request and enrollment is refused, as no key exists yet.
  let firstStart: FirstStartSecrets;
  try {
    firstStart = await bootstrap(store, settings, config);
  } catch (error) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await channel.close();
    throw error;
  }
  const bound = server.address() as AddressInfo;
  const port = bound.port;
  const scheme = config.tls ? 'https' : 'http';
  const listenUrl = `${scheme}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${port}`;
  const url = config.port === 0 ? `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}` : config.publicUrl;
  // A port-0 collector (tests) learns its port only now, and so its public URL, unless
  // DEVTRUST_PUBLIC_URL named one (a proxy in front: the URL people use is the proxy's).
  const listening = config.port === 0 ? { ...config, port, publicUrl: config.publicUrlSet ? config.publicUrl : url } : config;
  const services = createServices({ config: listening, log, store, masterKey, core });

  let app: Awaited<ReturnType<typeof createApp>>;
  let metricsListener: Awaited<ReturnType<typeof startMetricsListener>> | null = null;
  try {
    // Loaded here, not at the top: importing oidc-provider prints a runtime warning on Node 20,
    // which must not come before the one line a bad configuration stops start-up with.
    const { oidcMount } = await import('./oidc/mount.js');
    app = await createApp(services, channel, metrics, [oidcMount(options.prompt), consoleMount(), ...(options.mounts ?? [])]);
    registerInventoryGauges(metrics, services, channel);
    if (config.metrics.listen) metricsListener = await startMetricsListener(metrics, config.metrics.listen, config.metrics.token);
  } catch (error) {
    await channel.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
    throw error;
  }
  server.off('request', starting);
  server.on('request', app.callback());

  // Runs a killed predecessor on this host left "running" are ended now, not when their lease
  // expires, and the upload it was receiving is deleted.
  await engine.recoverDeadLocalRuns().catch((error: unknown) => log.warn({ err: error }, 'recovering abandoned syncs failed'));
  await removeDeadSpools().catch((error: unknown) => log.warn({ err: error }, 'removing abandoned upload spools failed'));
  // A key first-start-keys.txt lists may have stopped working through another node, or while this one was stopped.
  await services.firstStartKeys.refresh();
  if (options.scheduler !== false) engine.start();
  const retention = new RetentionService(store, config.retention, log);
  await retention.purge();
  const purge = setInterval(() => void retention.purge(), 3_600_000);
  purge.unref();
  log.info(
    { listening: listenUrl, publicUrl: listening.publicUrl, database: store.dialect, metrics: metricsListener?.url },
    'collector listening',
  );
  if (connections.lowered !== null)
    log.warn(
      { openFileLimit: openFiles, agentConnections: connections.lowered },
      `the open-file limit (ulimit -n ${openFiles}) holds ${connections.lowered} agent connections, fewer than DEVTRUST_MAX_AGENT_CONNECTIONS (${config.connections.total ?? 'no cap'}): agents past them are refused with 503 until it is raised (LimitNOFILE= under systemd); for a trial or fewer agents than that, nothing to do (set DEVTRUST_MAX_AGENT_CONNECTIONS=${connections.lowered} to silence this)`,
    );
  // Serving TLS itself, the collector is likely reached directly: then anyone can send the
  // X-Forwarded-* headers DEVTRUST_TRUST_PROXY believes (their address, for every limit).
  if (config.tls && config.trustProxy)
    log.warn(
      'DEVTRUST_TRUST_PROXY=true on a collector serving TLS itself: X-Forwarded-For is believed from every client that reaches this port; set it only when a proxy is the only way in',
    );

  let closing: Promise<void> | null = null;
  return {
    url,
    publicUrl: listening.publicUrl,
    listenUrl,
    port,
    services,
    channel,
    store,
    firstStart,
    metricsUrl: metricsListener?.url ?? null,
    close: () =>
      (closing ??= (async () => {
        clearInterval(purge);
        await metricsListener?.close();
        await engine.stop();
        await channel.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await store.close();
      })()),
  };
}

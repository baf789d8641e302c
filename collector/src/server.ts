import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CollectorConfig } from './config/config.js';
import { consoleMount } from './console/mount.js';
import { createEdrAssessor } from './edr/assessor.js';
import { createApp, type Mount } from './http/app.js';
import { loadMasterKey } from './keys/master-key.js';
import type { PromptOptions } from './oidc/mount.js';
import { AttestationLimits } from './limits/abuse-limits.js';
import { createLogger } from './log.js';
import { bootstrap, type FirstStartSecrets } from './services/bootstrap.js';
import type { Services } from './services/services.js';
import { VerdictService } from './services/verdicts.js';
import { Store } from './store/store.js';
import { SyncEngine } from './sync/engine.js';
import { AgentChannel } from './ws/channel.js';

export interface RunningCollector {
  url: string;
  port: number;
  services: Services;
  firstStart: FirstStartSecrets;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Vendor API fetch override (tests route vendors to loopback servers). */
  fetch?: typeof fetch;
  /** Mounted after the core routes (OIDC provider, console). */
  mounts?: Mount[];
  /** Start the sync scheduler (default true). */
  scheduler?: boolean;
  /** Browser prompt settings tests override (agent ports, how long to wait for an agent). */
  prompt?: PromptOptions;
}

/** Starts a collector: storage, first-start secrets, HTTP(S) + agent channel on one port. */
export async function startCollector(config: CollectorConfig, options: StartOptions = {}): Promise<RunningCollector> {
  const log = options.log ?? createLogger(config.logLevel);
  const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const masterKey = loadMasterKey(config.masterKey, config.dataDir);
  const node = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const engine = new SyncEngine({ store, masterKey, log, node, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const verdicts = new VerdictService(store, log.child({ component: 'verdicts' }));
  verdicts.edrAssessor = createEdrAssessor({ store, sources: engine, log });
  const services: Services = { config, store, log, masterKey, engine, verdicts, channel: null };

  // Loaded here, not at the top: importing oidc-provider prints a runtime warning on Node 20,
  // which must not come before the one line a bad configuration stops start-up with.
  const { oidcMount } = await import('./oidc/mount.js');
  const { app, metrics } = await createApp(services, [oidcMount(options.prompt), consoleMount(), ...(options.mounts ?? [])]);
  const handler = app.callback();
  const server = config.tls ? https.createServer({ cert: config.tls.cert, key: config.tls.key }, handler) : http.createServer(handler);
  // Slow or silent clients must not hold sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const channel = new AgentChannel(server, {
    store,
    verdicts,
    log,
    attestationLimits: new AttestationLimits(config.limits),
    enrollmentLimit: config.enrollmentRateLimit,
  });
  services.channel = channel;
  metrics.gauges.set('devtrust_agent_connections', () => channel.connections);
  metrics.gauges.set('devtrust_agents_authenticated', () => channel.connectedEndpoints);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  // Keys are generated only once the port is ours: a start that cannot listen (port busy)
  // leaves no keys file behind, and the next start generates and shows them. Until then
  // every admin request and enrollment is refused, as no key exists yet.
  let firstStart: FirstStartSecrets;
  try {
    firstStart = await bootstrap(store, config);
  } catch (error) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await channel.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const scheme = config.tls ? 'https' : 'http';
  const url = config.port === 0 ? `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}` : config.publicUrl;
  if (config.port === 0) services.config = { ...config, port, publicUrl: url };
  if (options.scheduler !== false) engine.start();
  // Retention: transactions live minutes (their verdicts stay in the auth log) and are kept
  // a while for support; the auth log is kept longer. Both are purged at start and hourly.
  const purgeOld = async (): Promise<void> => {
    const day = 24 * 3_600_000;
    try {
      const transactions = await store.transactions.purgeExpired(Date.now() - config.retention.transactionDays * day);
      const authLog = await store.authLog.purgeBefore(Date.now() - config.retention.authLogDays * day);
      if (transactions + authLog > 0) log.info({ transactions, authLog }, 'purged records past their retention');
    } catch (error) {
      log.warn({ err: error }, 'purging records past their retention failed');
    }
  };
  await purgeOld();
  const purge = setInterval(() => void purgeOld(), 3_600_000);
  purge.unref();
  log.info({ url, database: store.dialect }, 'collector listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    services,
    firstStart,
    close: () =>
      (closing ??= (async () => {
        clearInterval(purge);
        await engine.stop();
        await channel.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await store.close();
      })()),
  };
}

import type { Logger } from 'pino';
import type { CollectorConfig } from '../config/config.js';
import { SignInLimits } from '../limits/abuse-limits.js';
import type { Store } from '../store/store.js';
import type { SyncEngine } from '../sync/engine.js';
import { AdminLogService } from './admin-log.js';
import { ApiKeyService } from './api-keys.js';
import { ApplicationService } from './applications.js';
import { masterKeyCheck } from '../keys/master-key.js';
import { AuthLogService } from './auth-log.js';
import { DashboardService } from './dashboard.js';
import { BackupService } from './backups.js';
import type { EndpointService } from './endpoints.js';
import { FindingsService } from './findings.js';
import { FirstStartKeysStanding } from './first-start-keys-standing.js';
import { HealthService } from './health.js';
import { IntegrationService } from './integrations.js';
import { OidcKeyStore } from './oidc-keys.js';
import { OidcStorage } from './oidc-storage.js';
import { ReenrollmentService } from './reenrollments.js';
import type { SettingsService } from './settings.js';
import type { TransactionService } from './transactions.js';
import type { TrustedEndpointsService } from './trusted-endpoints.js';
import { UserService } from './users.js';
import type { VerdictService } from './verdicts.js';

/**
 * What the edges (HTTP routes, the agent channel, the OIDC provider, the console) use,
 * built once at start-up in dependency order (see server.ts). Edges reach storage only
 * through these; each service owns its repositories.
 */
export interface Services {
  config: CollectorConfig;
  log: Logger;
  health: HealthService;
  apiKeys: ApiKeyService;
  applications: ApplicationService;
  settings: SettingsService;
  endpoints: EndpointService;
  /** Releasing re-enrolled devices in bulk. */
  reenrollments: ReenrollmentService;
  integrations: IntegrationService;
  findings: FindingsService;
  users: UserService;
  authLog: AuthLogService;
  adminLog: AdminLogService;
  dashboard: DashboardService;
  backups: BackupService;
  /** Keeps first-start-keys.txt truthful once a key it lists stops working. */
  firstStartKeys: FirstStartKeysStanding;
  transactions: TransactionService;
  verdicts: VerdictService;
  /** Per-integration configuration keys of MDM-asserted identity. */
  trustedEndpoints: TrustedEndpointsService;
  oidc: OidcStorage;
  oidcKeys: OidcKeyStore;
  engine: SyncEngine;
  /** The collector's one set of sign-in budgets, shared by the OIDC and transaction API routes. */
  signInLimits: SignInLimits;
}

/** The services built before the HTTP edges (the agent channel needs these first). */
export interface CoreServices {
  settings: SettingsService;
  endpoints: EndpointService;
  transactions: TransactionService;
  verdicts: VerdictService;
  engine: SyncEngine;
  trustedEndpoints: TrustedEndpointsService;
}

export function createServices(options: {
  config: CollectorConfig;
  log: Logger;
  store: Store;
  masterKey: Buffer;
  core: CoreServices;
}): Services {
  const { config, log, store, masterKey, core } = options;
  const integrations = new IntegrationService(store, core.engine, masterKey, log.child({ component: 'integrations' }));
  const findings = new FindingsService(store);
  const authLog = new AuthLogService(store.authLog);
  return {
    config,
    log,
    ...core,
    health: new HealthService(store),
    reenrollments: new ReenrollmentService(store, core.endpoints, { quietMs: config.reenrollmentQuietMinutes * 60_000 }),
    apiKeys: new ApiKeyService(store),
    applications: new ApplicationService(store, masterKey),
    integrations,
    findings,
    users: new UserService(store),
    authLog,
    adminLog: new AdminLogService(store),
    dashboard: new DashboardService(core.endpoints, authLog, integrations, findings),
    backups: new BackupService(store, config.dataDir, masterKeyCheck(masterKey), log.child({ component: 'backups' })),
    firstStartKeys: new FirstStartKeysStanding(store, config.dataDir, log.child({ component: 'first-start-keys' })),
    oidc: new OidcStorage(store),
    oidcKeys: new OidcKeyStore(store.oidcKeys, masterKey),
    signInLimits: new SignInLimits(config.limits),
  };
}

import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ChangeFeed } from './change-feed.js';
import { DbFaultMonitor } from './db-faults.js';
import { GroupCommit } from './group-commit.js';
import { createKnex, type Dialect } from './dialect.js';
import { migrationSource } from './migrations/index.js';
import { ApiKeysRepo } from './repos/api-keys.js';
import { ApplicationsRepo } from './repos/applications.js';
import { AuthLogRepo } from './repos/auth-log.js';
import { EndpointsRepo } from './repos/endpoints.js';
import { IntegrationsRepo } from './repos/integrations.js';
import { InventoryRepo } from './repos/inventory.js';
import { OidcDeviceTrustRepo } from './repos/oidc-device-trust.js';
import { OidcKeysRepo } from './repos/oidc-keys.js';
import { OidcPayloadsRepo } from './repos/oidc-payloads.js';
import { OidcPromptsRepo } from './repos/oidc-prompts.js';
import { SettingsRepo } from './repos/settings.js';
import { SyncRunsRepo } from './repos/sync-runs.js';
import { TransactionsRepo } from './repos/transactions.js';
import { UsersRepo } from './repos/users.js';

/** The storage layer: one repository per aggregate over one knex instance. */
export class Store {
  readonly settings: SettingsRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly endpoints: EndpointsRepo;
  readonly integrations: IntegrationsRepo;
  readonly inventory: InventoryRepo;
  readonly syncRuns: SyncRunsRepo;
  readonly applications: ApplicationsRepo;
  readonly users: UsersRepo;
  readonly transactions: TransactionsRepo;
  readonly authLog: AuthLogRepo;
  readonly oidcPayloads: OidcPayloadsRepo;
  readonly oidcKeys: OidcKeysRepo;
  readonly oidcDeviceTrust: OidcDeviceTrustRepo;
  readonly oidcPrompts: OidcPromptsRepo;
  /** Database faults: logged once with their cause, counted by kind, asked by /readyz and the agent channel. */
  readonly faults = new DbFaultMonitor();
  /** Cached reads of the policy, integrations and applications, dropped on change (across collectors on PostgreSQL). */
  readonly changes: ChangeFeed;
  private readonly groupCommit: GroupCommit;

  constructor(
    readonly knex: Knex,
    readonly dialect: Dialect,
    options: { databaseUrl?: string | null; log?: Logger } = {},
  ) {
    this.groupCommit = new GroupCommit(knex, dialect === 'sqlite');
    this.changes = new ChangeFeed(knex, dialect, dialect === 'postgres' ? (options.databaseUrl ?? null) : null, options.log);
    // Every failed statement is seen here with its original error, before knex or a caller
    // can replace it; a successful write ends a fault.
    knex.on('query-error', (error: unknown) => this.faults.failed(error, 'query'));
    knex.on('query-response', (_response: unknown, query: { method?: string; sql?: string }) => this.faults.succeeded(isWrite(query)));
    this.settings = new SettingsRepo(knex);
    this.apiKeys = new ApiKeysRepo(knex);
    this.endpoints = new EndpointsRepo(knex);
    this.integrations = new IntegrationsRepo(knex);
    this.inventory = new InventoryRepo(knex);
    this.syncRuns = new SyncRunsRepo(knex);
    this.applications = new ApplicationsRepo(knex);
    this.users = new UsersRepo(knex);
    this.transactions = new TransactionsRepo(knex);
    this.authLog = new AuthLogRepo(knex);
    this.oidcPayloads = new OidcPayloadsRepo(knex);
    this.oidcKeys = new OidcKeysRepo(knex);
    this.oidcDeviceTrust = new OidcDeviceTrustRepo(this.oidcPayloads);
    this.oidcPrompts = new OidcPromptsRepo(this.oidcPayloads);
  }

  /**
   * Runs `work` with the decision's repositories bound to one transaction: its writes commit
   * together, so they cost one commit (one fsync on SQLite, one WAL flush on PostgreSQL)
   * instead of one each, and a failure leaves none of them. On SQLite, concurrent decisions
   * (and transactions being opened) share one commit too (store/group-commit.ts).
   */
  decisionWrites<T>(work: (repos: Pick<Store, 'transactions' | 'authLog' | 'endpoints'>) => Promise<T>): Promise<T> {
    return this.groupCommit.run((trx) =>
      work({ transactions: new TransactionsRepo(trx), authLog: new AuthLogRepo(trx), endpoints: new EndpointsRepo(trx) }),
    );
  }

  /** Answers once the database does (health checks). */
  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }

  /** Opens the database and brings its schema up to date (several processes may race: knex locks). */
  static async open(options: { databaseUrl: string | null; dataDir: string; poolMax?: number; log?: Logger }): Promise<Store> {
    const { knex, dialect } = createKnex(options);
    await knex.migrate.latest({ migrationSource });
    const store = new Store(knex, dialect, { databaseUrl: options.databaseUrl, ...(options.log ? { log: options.log } : {}) });
    if (options.log) store.faults.setLog(options.log);
    await store.changes.start();
    return store;
  }

  /** Migrations not yet applied to this database (another node may be newer or older). */
  async pendingMigrations(): Promise<string[]> {
    const [, pending] = (await this.knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
    return pending.map((m) => String(m));
  }

  async close(): Promise<void> {
    await this.changes.close();
    await this.knex.destroy();
  }
}

function isWrite(query: { method?: string; sql?: string }): boolean {
  if (query.method === 'insert' || query.method === 'update' || query.method === 'del') return true;
  return /^\s*(commit|insert|update|delete)\b/i.test(query.sql ?? '');
}

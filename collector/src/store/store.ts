import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ChangeFeed } from './change-feed.js';
import { DbFaultMonitor } from './db-faults.js';
import { atomically, lockNamed } from './atomic.js';
import { GroupCommit } from './group-commit.js';
import { createKnex, sqliteFile, type Dialect } from './dialect.js';
import { closeDirectReads } from './direct-reads.js';
import { migrationSource } from './migrations/index.js';
import { oneMigratorAtATime } from './migration-lock.js';
import { snapshotSqlite } from './snapshot.js';
import { AdminLogRepo } from './repos/admin-log.js';
import { ApiKeysRepo } from './repos/api-keys.js';
import { ApplicationsRepo } from './repos/applications.js';
import { AuthLogRepo } from './repos/auth-log.js';
import { EndpointFindingsRepo } from './repos/endpoint-findings.js';
import { EndpointPagesRepo } from './repos/endpoint-pages.js';
import { EndpointsRepo } from './repos/endpoints.js';
import { IntegrationsRepo } from './repos/integrations.js';
import { InventoryRepo } from './repos/inventory.js';
import { OidcDeviceTrustRepo } from './repos/oidc-device-trust.js';
import { OidcKeysRepo } from './repos/oidc-keys.js';
import { OidcPayloadsRepo } from './repos/oidc-payloads.js';
import { OidcPromptsRepo } from './repos/oidc-prompts.js';
import { ReenrollmentsRepo } from './repos/reenrollments.js';
import { SettingsRepo } from './repos/settings.js';
import { SyncRunsRepo } from './repos/sync-runs.js';
import { TransactionsRepo } from './repos/transactions.js';
import { DecisionsRepo } from './repos/decisions.js';
import type { DecisionToStore, Transaction } from '../domain/transaction.js';
import type { ReportToStore } from '../domain/endpoint.js';
import { UsersRepo } from './repos/users.js';

/** The storage layer: one repository per aggregate over one knex instance. */
export class Store {
  readonly settings: SettingsRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly endpoints: EndpointsRepo;
  readonly endpointPages: EndpointPagesRepo;
  readonly endpointFindings: EndpointFindingsRepo;
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
  readonly adminLog: AdminLogRepo;
  /** Reads of a bulk release of re-enrolled devices. */
  readonly reenrollments: ReenrollmentsRepo;
  /** Database faults: logged once with their cause, counted by kind, asked by /readyz and the agent channel. */
  readonly faults: DbFaultMonitor;
  /** Cached reads of the policy, integrations and applications, dropped on change (across collectors on PostgreSQL). */
  readonly changes: ChangeFeed;
  private readonly groupCommit: GroupCommit;
  /**
   * Bound to a transaction (see `transaction`): writes go straight to its connection. Through
   * the group commit they would wait for the one SQLite connection this transaction holds.
   */
  private readonly inTransaction: boolean;
  /** The SQLite database file (null on PostgreSQL). */
  readonly file: string | null;

  /** `transactionOf`: the store this one is a transaction of (see `transaction`). */
  constructor(
    readonly knex: Knex,
    readonly dialect: Dialect,
    options: { file?: string | null; databaseUrl?: string | null; log?: Logger; transactionOf?: Store; cacheMaxAgeMs?: number } = {},
  ) {
    // A store bound to a transaction (see `transaction`) shares its parent's fault monitor,
    // change feed and group commit: one of each per database, not per transaction.
    const parent = options.transactionOf;
    this.file = parent ? parent.file : (options.file ?? null);
    this.faults = parent ? parent.faults : new DbFaultMonitor();
    this.groupCommit = parent ? parent.groupCommit : new GroupCommit(knex, dialect === 'sqlite');
    this.changes = parent
      ? parent.changes
      : new ChangeFeed(knex, dialect, dialect === 'postgres' ? (options.databaseUrl ?? null) : null, options.log, options.cacheMaxAgeMs);
    const inTransaction = (this.inTransaction = parent !== undefined);
    // Every failed statement is seen here with its original error, before knex or a caller
    // can replace it; a successful write ends a fault. A transaction's statements are
    // already seen by the store it belongs to.
    if (!inTransaction) {
      knex.on('query-error', (error: unknown) => this.faults.failed(error, 'query'));
      knex.on('query-response', (_response: unknown, query: { method?: string; sql?: string }) => this.faults.succeeded(isWrite(query)));
    }
    this.settings = new SettingsRepo(knex);
    this.apiKeys = new ApiKeysRepo(knex);
    this.endpoints = new EndpointsRepo(knex);
    this.endpointPages = new EndpointPagesRepo(knex);
    this.endpointFindings = new EndpointFindingsRepo(knex);
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
    this.adminLog = new AdminLogRepo(knex);
    this.reenrollments = new ReenrollmentsRepo(knex);
  }

  /**
   * Runs `work` in one transaction, over repositories bound to it: a change and the
   * admin-log entry recording it commit or roll back together. Everything inside must go
   * through `tx`: on SQLite the transaction holds the one connection, so a statement on
   * this store would wait for it forever. Repositories' own transactions nest (savepoints).
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    return atomically(this.knex, (trx) => work(new Store(trx, this.dialect, { transactionOf: this })));
  }

  /**
   * In a transaction: waits until no other collector's first-start set-up (services/bootstrap.ts)
   * is under way, and keeps the next waiting until this transaction ends (PostgreSQL; SQLite's
   * transaction already excludes every other writer).
   */
  async lockFirstStart(): Promise<void> {
    if (!this.inTransaction) throw new Error('lockFirstStart: only inside Store.transaction');
    await lockNamed(this.knex as Knex.Transaction, 'devtrust-first-start');
  }

  /**
   * Stores a decision (repos/decisions.ts): the verdict on the transaction, its auth-log entry
   * and the endpoint's last verdict, in one commit, or nothing when the transaction was no
   * longer pending. On PostgreSQL one statement that commits by itself (one round trip); on
   * SQLite three statements in a transaction shared with the decisions and openings that
   * arrive meanwhile (store/group-commit.ts: one fsync for all of them).
   */
  recordDecision(decision: DecisionToStore): Promise<boolean> {
    if (this.dialect === 'postgres' || this.inTransaction) return new DecisionsRepo(this.knex).record(decision);
    return this.groupCommit.run((db) => new DecisionsRepo(db).record(decision));
  }

  /**
   * Stores verified agent reports (repos/endpoints.ts recordReports). On SQLite in the group
   * commit, so a batch of reports shares its transaction and fsync with the decisions and
   * openings waiting at the same moment instead of taking the one connection for a commit of
   * its own; on PostgreSQL straight through (batches run in parallel on the pool).
   */
  recordReports(items: ReportToStore[]): Promise<boolean[]> {
    if (this.dialect === 'postgres') return this.endpoints.recordReports(items);
    if (this.inTransaction) return this.endpoints.recordReportsIn(this.knex as Knex.Transaction, items);
    return this.groupCommit.run((db) => new EndpointsRepo(db).recordReportsIn(db as Knex.Transaction, items));
  }

  /** Opens a device-check transaction: one INSERT, on SQLite in the group commit beside the decisions. */
  openTransaction(applicationId: string, username: string, ttlMs: number): Promise<Transaction> {
    if (this.inTransaction) return this.transactions.create(applicationId, username, ttlMs);
    return this.groupCommit.run((db) => new TransactionsRepo(db).create(applicationId, username, ttlMs), { oneStatement: true });
  }

  /** Answers once the database does (health checks). */
  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }

  /**
   * Opens the database and brings its schema up to date (collectors starting together on one
   * PostgreSQL database migrate one at a time: migration-lock.ts).
   * `cacheMaxAgeMs`: how long cached reads may go without a notification on PostgreSQL
   * (store/change-feed.ts; tests shorten it).
   */
  static async open(options: {
    databaseUrl: string | null;
    dataDir: string;
    poolMax?: number;
    log?: Logger;
    cacheMaxAgeMs?: number;
  }): Promise<Store> {
    const { knex, dialect } = createKnex(options);
    try {
      const [, applied] = (await oneMigratorAtATime(knex, options.log, () => knex.migrate.latest({ migrationSource }))) as [
        number,
        string[],
      ];
      // An upgrade's migrations may rewrite tables (report history, 20261203300000): say which ran.
      if (applied.length > 0) options.log?.info({ migrations: applied }, 'database schema migrated');
    } catch (error) {
      await knex.destroy();
      throw newerSchema(error) ?? error;
    }
    const store = new Store(knex, dialect, {
      file: dialect === 'sqlite' ? sqliteFile(options.dataDir) : null,
      databaseUrl: options.databaseUrl,
      ...(options.log ? { log: options.log } : {}),
      ...(options.cacheMaxAgeMs !== undefined ? { cacheMaxAgeMs: options.cacheMaxAgeMs } : {}),
    });
    if (options.log) store.faults.setLog(options.log);
    try {
      await warnOfLookAlikeNames(store, options.log);
    } catch (error) {
      await knex.destroy();
      throw error;
    }
    await store.changes.start();
    return store;
  }

  /** Migrations not yet applied to this database (another node may be newer or older). */
  async pendingMigrations(): Promise<string[]> {
    const [, pending] = (await this.knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
    return pending.map((m) => String(m));
  }

  /** A consistent copy of the SQLite database at `target`, taken while it serves (see snapshot.ts). */
  async snapshot(target: string): Promise<void> {
    if (this.file === null) throw new Error('only a SQLite database is copied by the collector; back PostgreSQL up with pg_dump');
    await snapshotSqlite(this.knex, this.file, target);
  }

  /** The migrations this database has applied, oldest first. */
  async appliedMigrations(): Promise<string[]> {
    const [applied] = (await this.knex.migrate.list({ migrationSource })) as [{ name: string }[], unknown[]];
    return applied.map((m) => m.name);
  }

  async close(): Promise<void> {
    await this.changes.close();
    await closeDirectReads(this.knex);
    await this.knex.destroy();
  }
}

/**
 * knex refuses a database holding migrations it does not know ("the migration directory is
 * corrupt"): a newer release migrated it. Said as what it means, and what to do.
 */
function newerSchema(error: unknown): Error | null {
  const missing = /the following files are missing: (.*)$/s.exec((error as Error).message ?? '');
  if (!missing) return null;
  return new Error(
    `this database was migrated by a newer DevTrust release (migrations this release does not know: ${missing[1]?.slice(0, 300)}); ` +
      'run that release, or restore the backup taken before the upgrade (docs/operations-backup-upgrade.md#rollback)',
    { cause: error },
  );
}

function isWrite(query: { method?: string; sql?: string }): boolean {
  if (query.method === 'insert' || query.method === 'update' || query.method === 'del') return true;
  return /^\s*(commit|insert|update|delete)\b/i.test(query.sql ?? '');
}

/**
 * Keys every application's name (store/application-names.ts) and names, at each start until an
 * admin renames them, the applications whose names read the same as an older one's: a database
 * from before names were compared may hold them, and users cannot tell them apart.
 */
async function warnOfLookAlikeNames(store: Store, log: Logger | undefined): Promise<void> {
  const lookAlikes = await store.applications.keyNames();
  if (lookAlikes.length === 0) return;
  const named = lookAlikes
    .map((a) => `${a.id} ("${a.name}") ${a.readsAs ? `reads as ${a.readsAs.id} ("${a.readsAs.name}")` : 'reads as nothing'}`)
    .join('; ');
  log?.warn(
    { applications: lookAlikes },
    `applications whose names read the same as another's: users shown the name cannot tell them apart; rename or delete them (${named})`,
  );
}

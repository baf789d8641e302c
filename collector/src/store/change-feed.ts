import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import { statementsOf } from './dialect.js';

/**
 * What decisions read on every attestation and admins rarely change: the global policy, the
 * integrations (activation, platforms, config) and the applications. Each is a topic of
 * cached reads, dropped whenever its table is written.
 */
export type ChangeTopic = 'settings' | 'integrations' | 'applications';

/** The PostgreSQL channel collectors tell each other about changes on. */
const CHANNEL = 'devtrust_changes';
/**
 * On PostgreSQL a cached value is read again after this long, whatever was heard: a
 * notification is sent after the writer's commit, so a writer that dies in between, or a
 * LISTEN connection that died without a reset (found by TCP keepalive only after hours), would
 * otherwise leave a deleted application authenticating, or a new one refused, on the other
 * collectors until the next change (re-review r6). SQLite has one collector, which sees every write.
 */
const MAX_AGE_MS = 30_000;
const TOPICS: readonly ChangeTopic[] = ['settings', 'integrations', 'applications'];

/**
 * The topic a statement changes, if any. Every writer is seen (knex reports each statement it
 * ran), so a repository added later invalidates without knowing about caches. Left out: the
 * readiness probe's setting (written every second under /readyz) and the sync lease columns
 * (renewed per page), which no cached reader looks at.
 */
export function topicOf(sql: string, bindings: readonly unknown[] = []): ChangeTopic | null {
  const write = /^\s*(?:insert\s+into|update|delete\s+from)\s+[`"]?(\w+)[`"]?/i.exec(sql);
  const table = write?.[1]?.toLowerCase();
  if (table === 'applications') return 'applications';
  if (table === 'settings') return bindings.includes('global_policy') ? 'settings' : null;
  if (table === 'integrations') {
    const set = /\bset\s+([\s\S]*?)(?:\bwhere\b|$)/i.exec(sql)?.[1] ?? '';
    const columns = [...set.matchAll(/[`"](\w+)[`"]\s*=/g)].map((m) => m[1]);
    return columns.length > 0 && columns.every((c) => c === 'lock_owner' || c === 'lock_until') ? null : 'integrations';
  }
  return null;
}

/** A statement knex finished, as the store's client reports it (store/dialect.ts). */
export interface StatementDone {
  sql: string;
  bindings: readonly unknown[];
  /** Set while the statement ran inside a transaction. */
  txId: string | undefined;
}

/**
 * Cached reads with invalidation on change, in this process and, on PostgreSQL, across every
 * collector on the database (LISTEN/NOTIFY):
 * - a write is seen when it is done; inside a transaction, when the transaction commits, so
 *   no reader can cache what it read just before the commit;
 * - a read that overlapped an invalidation is returned but not kept;
 * - on PostgreSQL nothing is cached while the LISTEN connection is down (a notification may
 *   be missed), and everything is dropped when it comes back.
 */
export class ChangeFeed {
  private readonly values = new Map<string, { value: unknown; at: number }>();
  private readonly versions = new Map<ChangeTopic, number>();
  private readonly pending = new Map<string, Set<ChangeTopic>>();
  private listener: pg.Client | null = null;
  private listening: boolean;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  /** Names this process in its notifications, so it does not drop its cache twice for its own change. */
  private readonly node = randomBytes(6).toString('hex');
  /** 'change' (topic) for tests and metrics. */
  readonly events = new EventEmitter();

  /**
   * `databaseUrl`: set when the store is on a PostgreSQL server to listen on (through the
   * pool's own connection settings); null on SQLite, which has one collector per database file
   * (this process sees every write). PostgreSQL without it caches nothing.
   */
  constructor(
    private readonly knex: Knex,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly databaseUrl: string | null,
    private readonly log?: Logger,
    /** How long a value may be kept on PostgreSQL without a notification (tests shorten it). */
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {
    this.listening = dialect === 'sqlite';
    statementsOf(knex.client).on('done', (done: StatementDone) => this.seen(done));
  }

  /** Starts listening for other collectors' changes (PostgreSQL); resolves once listening or failed once. */
  async start(): Promise<void> {
    if (this.dialect === 'postgres' && this.databaseUrl !== null) await this.connect();
  }

  /**
   * The cached value of `key` under `topic`, loaded when absent. `keep`: whether a loaded value
   * may be cached (e.g. not a miss, when keys come from callers who could invent any number).
   */
  async read<T>(topic: ChangeTopic, key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const id = `${topic}\u0000${key}`;
    const cached = this.listening ? this.values.get(id) : undefined;
    if (cached && (this.dialect === 'sqlite' || performance.now() - cached.at < this.maxAgeMs)) return cached.value as T;
    const version = this.versions.get(topic) ?? 0;
    const at = performance.now();
    const value = await load();
    if (this.listening && (this.versions.get(topic) ?? 0) === version && keep(value)) this.values.set(id, { value, at });
    return value;
  }

  /** Drops a topic's cached values here (and, with `notify`, on every other collector). */
  invalidate(topic: ChangeTopic, options: { notify?: boolean } = {}): void {
    this.versions.set(topic, (this.versions.get(topic) ?? 0) + 1);
    for (const id of this.values.keys()) if (id.startsWith(`${topic}\u0000`)) this.values.delete(id);
    this.events.emit('change', topic);
    if (options.notify && this.dialect === 'postgres' && !this.closed) {
      this.knex
        .raw('select pg_notify(?, ?)', [CHANNEL, `${topic} ${this.node}`])
        .catch((error: unknown) => this.log?.warn({ err: error, topic }, 'telling other collectors about a change failed'));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private seen({ sql, bindings, txId }: StatementDone): void {
    if (/^\s*commit\b/i.test(sql)) {
      const topics = txId === undefined ? undefined : this.pending.get(txId);
      if (txId !== undefined) this.pending.delete(txId);
      for (const topic of topics ?? []) this.invalidate(topic, { notify: true });
      return;
    }
    if (/^\s*rollback\b/i.test(sql) && txId !== undefined && !/to savepoint/i.test(sql)) {
      // Nothing changed; the reads during it were already kept from the cache by the version.
      this.pending.delete(txId);
      return;
    }
    const topic = topicOf(sql, bindings);
    if (topic === null) return;
    if (txId === undefined) return this.invalidate(topic, { notify: true });
    // Uncommitted: what readers cache meanwhile is the committed state, dropped at the commit.
    const topics = this.pending.get(txId) ?? new Set<ChangeTopic>();
    this.pending.set(txId, topics.add(topic));
    // A transaction whose COMMIT or ROLLBACK failed is never seen to end: drop the oldest
    // entries rather than keep them, and the caches with them, to be safe.
    if (this.pending.size > 100) {
      for (const id of [...this.pending.keys()].slice(0, 50)) this.pending.delete(id);
      for (const t of TOPICS) this.invalidate(t);
    }
  }

  private async connect(): Promise<void> {
    if (this.closed || this.databaseUrl === null) return;
    // The pool's own settings (store/dialect.ts: connect timeout, keep-alive; the password is a
    // hidden property there, so the object is passed as it is, not copied).
    const client = new pg.Client((this.knex.client as { connectionSettings: pg.ClientConfig }).connectionSettings);
    const lost = (error?: unknown): void => {
      if (this.listener !== client) return;
      this.listener = null;
      this.listening = false;
      this.values.clear();
      if (!this.closed) {
        this.log?.warn({ err: error }, 'change notifications lost; decisions read the database until they are back');
        this.retry = setTimeout(() => void this.connect(), 1_000);
        this.retry.unref();
      }
      void client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      const [topic, node] = (message.payload ?? '').split(' ') as [ChangeTopic, string | undefined];
      if (node !== this.node && TOPICS.includes(topic)) this.invalidate(topic);
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      // Whatever changed while nobody listened is unknown: start from nothing.
      this.values.clear();
      for (const topic of TOPICS) this.versions.set(topic, (this.versions.get(topic) ?? 0) + 1);
      this.listening = this.listener === client;
    } catch (error) {
      lost(error);
    }
  }
}

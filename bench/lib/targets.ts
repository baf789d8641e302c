import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { generateDeviceKey, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { createKnex } from '@devtrust/collector/store/dialect';
import { Store } from '@devtrust/collector/store/store';
import type { EndpointRow } from '@devtrust/collector/store/rows';
import { lastSeenHourOf } from '@devtrust/collector/store/repos/endpoint-reads';
import { ENROLLMENT_KEY, OWNER_TOKEN } from './admin.js';
import type { BenchContext } from './figure.js';
import { BenchChild, staleBuild } from './proc.js';
import { sleep } from './timing.js';

export type DbKind = 'sqlite' | 'postgres';

/** One fresh database for one measurement: a SQLite data dir, or a new PostgreSQL database. */
export interface BenchDatabase {
  kind: DbKind;
  /** The collector's data dir (SQLite file, master key). */
  dataDir: string;
  databaseUrl: string | null;
  /** A knex on the same database, for limits and counting rows (closed with the group). */
  knex(): Knex;
}

/**
 * The PostgreSQL server fresh databases are made on: DEVTRUST_TEST_DATABASE_URL, which the
 * bench sets itself when it starts its own cluster (test/support/pg-cluster.ts). Read at each
 * use, so that cluster counts.
 */
function postgresUrl(): string | null {
  return process.env.DEVTRUST_TEST_DATABASE_URL || null;
}

/** Is PostgreSQL usable? Null when yes, else why not. */
export async function postgresUnavailable(): Promise<string | null> {
  const url = postgresUrl();
  if (!url) return 'PostgreSQL not available: set DEVTRUST_TEST_DATABASE_URL (e.g. `source /tmp/pgenv`)';
  const probe = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 5000 });
  try {
    await probe.raw('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL not reachable at DEVTRUST_TEST_DATABASE_URL: ${(error as Error).message}`;
  } finally {
    await probe.destroy();
  }
}

export function tempDir(ctx: BenchContext, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `devtrust-bench-${prefix}-`));
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function onServer<T>(run: (admin: Knex) => Promise<T>): Promise<T> {
  const admin = knexFactory({ client: 'pg', connection: postgresUrl() as string, pool: { min: 0, max: 1 } });
  try {
    return await run(admin);
  } finally {
    await admin.destroy();
  }
}

/**
 * A new PostgreSQL database on the DEVTRUST_TEST_DATABASE_URL server, dropped with the group.
 * The drop is retried: right after a large load, autovacuum may be working in the database
 * and only a superuser may terminate it.
 */
async function freshPostgres(ctx: BenchContext): Promise<string> {
  const name = `devtrust_bench_${randomBytes(6).toString('hex')}`;
  const template = await migratedTemplate();
  await onServer((admin) => admin.raw(`create database ${name} template ${template}`));
  ctx.defer(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await onServer((admin) => admin.raw(`drop database if exists ${name} with (force)`));
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        await sleep(2_000);
      }
    }
  });
  return databaseUrlOf(name);
}

function databaseUrlOf(name: string): string {
  const url = new URL(postgresUrl() as string);
  url.pathname = `/${name}`;
  return url.toString();
}

let template: Promise<string> | null = null;

/**
 * A database with the collector's schema, migrated once per run: every fresh PostgreSQL
 * database is a copy of it (`CREATE DATABASE … TEMPLATE`), so a collector started on one finds
 * its schema in place, as on any restart, instead of migrating a new database (about a second
 * of round trips each, and a small run makes ten). Dropped by `dropMigratedTemplate`.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `devtrust_bench_template_${randomBytes(6).toString('hex')}`;
    await onServer((admin) => admin.raw(`create database ${name}`));
    // Closed before any copy: PostgreSQL copies a template nobody is connected to.
    await (await Store.open({ databaseUrl: databaseUrlOf(name), dataDir: tmpdir() })).close();
    return name;
  })();
  return template;
}

/** Drops the run's migrated template, once every database copied from it is gone. */
export async function dropMigratedTemplate(): Promise<void> {
  if (!template) return;
  const name = await template.catch(() => null);
  template = null;
  if (name) await onServer((admin) => admin.raw(`drop database if exists ${name} with (force)`));
}

export async function freshDatabase(ctx: BenchContext, kind: DbKind, prefix = 'db'): Promise<BenchDatabase> {
  const dataDir = tempDir(ctx, prefix);
  let databaseUrl: string | null = null;
  if (kind === 'postgres') databaseUrl = await freshPostgres(ctx);
  let knex: Knex | null = null;
  return {
    kind,
    dataDir,
    databaseUrl,
    knex: () => {
      if (!knex) {
        knex = createKnex({ databaseUrl, dataDir }).knex;
        const opened = knex;
        ctx.defer(() => opened.destroy());
      }
      return knex;
    },
  };
}

export interface Enrolled {
  endpointId: string;
  keys: DeviceKeyPair;
}

/**
 * Enrolls `count` device keys: stores the endpoint rows the channel's enroll stores
 * (`EndpointsRepo.enroll`, test/bench/pre-enroll.test.ts compares them), so a figure about
 * sessions starts from agents that enrolled earlier and now only authenticate, as after any
 * restart. Set-up, not a measurement: PRE_ENROLL_ROWS to a statement, where one enrolment at a
 * time (three statements each) took 2.8 s of a small run's 1,000.
 */
export async function preEnroll(db: Pick<BenchDatabase, 'kind' | 'dataDir' | 'databaseUrl'>, count: number): Promise<Enrolled[]> {
  const store = await Store.open({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  try {
    const out: Enrolled[] = [];
    for (let from = 0; from < count; from += PRE_ENROLL_ROWS) {
      const now = Date.now();
      const chunk = Array.from({ length: Math.min(PRE_ENROLL_ROWS, count - from) }, () => ({
        endpointId: `ep_${randomUUID()}`,
        keys: generateDeviceKey(),
      }));
      const rows: EndpointRow[] = chunk.map(({ endpointId, keys }) => ({
        id: endpointId,
        public_key: keys.publicKey,
        enrolled_at: now,
        last_seen_at: now,
        last_seen_hour: lastSeenHourOf(now),
        last_seq: 0,
        blocked: false,
        key_kind: 'software',
      }));
      await store.knex('endpoints').insert(rows);
      out.push(...chunk);
    }
    return out;
  } finally {
    await store.close();
  }
}

/** Endpoint rows per INSERT: SQLite takes at most 500 in one multi-row statement. */
const PRE_ENROLL_ROWS = 500;

export type ServerChild = BenchChild<{ url: string; port: number }>;

let stale: string | null | undefined;

/**
 * Checked once per run, when first asked: collector children run the compiled build when it is
 * current (lib/proc.ts). Not on import: the check is a `tsc -b --dry` (seconds of CPU), which a
 * run that starts no collector child (a refused argument, `--only agent.collect_ms`) and the
 * process that only raises the open-file limit and runs the bench again never need.
 */
export const collectorBuild = {
  get stale(): string | null {
    if (stale === undefined) stale = staleBuild();
    return stale;
  },
};

/** A real collector in a child process on this database; stopped when the group ends. */
export async function startCollectorChild(
  ctx: BenchContext,
  db: BenchDatabase,
  options: { port?: number; defer?: boolean; nodeOptions?: string[] } = {},
): Promise<ServerChild> {
  const child = await BenchChild.start<{ url: string; port: number }>('collector.mjs', {
    // The compiled build on plain Node, as `devtrust-collector` runs; tsx only for the sources.
    tsx: collectorBuild.stale !== null,
    sources: collectorBuild.stale !== null,
    nodeOptions: options.nodeOptions,
    env: {
      DEVTRUST_CONFIG_FILE: '',
      DEVTRUST_HOST: '127.0.0.1',
      DEVTRUST_PORT: String(options.port ?? 0),
      DEVTRUST_PUBLIC_URL: '',
      DEVTRUST_DATA_DIR: db.dataDir,
      DEVTRUST_DATABASE_URL: db.databaseUrl ?? '',
      DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
      DEVTRUST_ENROLLMENT_KEY: ENROLLMENT_KEY,
      // A whole simulated fleet enrolls from one loopback address.
      DEVTRUST_ENROLLMENT_RATE_LIMIT: 'off',
      DEVTRUST_LOG_LEVEL: process.env.DEVTRUST_BENCH_LOG_LEVEL ?? 'error',
      ...BENCH_UNLIMITED,
    },
  });
  if (options.defer !== false) ctx.defer(() => child.stop());
  return child;
}

/** The bench measures capacity, not the abuse limits: all from one address, so turned off. */
export const BENCH_UNLIMITED = {
  DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: '0',
  DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '0',
  DEVTRUST_LIMIT_ATTESTATIONS_PER_ENDPOINT: '0',
  DEVTRUST_LIMIT_ATTESTATIONS_PER_ADDRESS: '0',
  DEVTRUST_MAX_AGENT_CONNECTIONS: '0',
  DEVTRUST_MAX_AGENT_CONNECTIONS_PER_ADDRESS: '0',
  DEVTRUST_MAX_UNAUTHENTICATED_SOCKETS: '0',
};

/**
 * The bare layer in a child process: a plain `ws` server speaking the minimal protocol,
 * optionally storing reports with batched inserts in `db` (see bench/children/bare-ws.ts).
 */
export async function startBareChild(
  ctx: BenchContext,
  options: { port?: number; store?: BenchDatabase; defer?: boolean } = {},
): Promise<ServerChild> {
  const child = await BenchChild.start<{ url: string; port: number }>('bare-ws.ts', {
    env: {
      BENCH_PORT: String(options.port ?? 0),
      BENCH_STORE: options.store?.kind ?? 'none',
      BENCH_DATA_DIR: options.store?.dataDir ?? '',
      BENCH_DATABASE_URL: options.store?.databaseUrl ?? '',
    },
  });
  if (options.defer !== false) ctx.defer(() => child.stop());
  return child;
}

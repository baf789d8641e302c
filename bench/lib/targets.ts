import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { generateDeviceKey, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { createKnex } from '@devtrust/collector/store/dialect';
import { Store } from '@devtrust/collector/store/store';
import { ENROLLMENT_KEY, OWNER_TOKEN } from './admin.js';
import type { BenchContext } from './figure.js';
import { BenchChild, staleBuild } from './proc.js';
import { runPool, sleep } from './timing.js';

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
  await onServer((admin) => admin.raw(`create database ${name}`));
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
  const url = new URL(postgresUrl() as string);
  url.pathname = `/${name}`;
  return url.toString();
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
 * Enrolls `count` device keys straight through the collector's store (the same repository
 * the channel's enroll uses), so a figure about sessions starts from agents that enrolled
 * earlier and now only authenticate, as after any restart.
 */
export async function preEnroll(db: Pick<BenchDatabase, 'kind' | 'dataDir' | 'databaseUrl'>, count: number): Promise<Enrolled[]> {
  const store = await Store.open({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  // Set-up, not a measurement: no fsync per enrollment (50,000 of them otherwise take minutes).
  if (db.kind === 'sqlite') await store.knex.raw('PRAGMA synchronous = OFF');
  try {
    const out: Enrolled[] = new Array(count);
    await runPool(
      Array.from({ length: count }, (_, i) => i),
      db.kind === 'postgres' ? 8 : 1,
      async (i) => {
        const keys = generateDeviceKey();
        const endpoint = await store.endpoints.enroll(keys.publicKey);
        out[i] = { endpointId: endpoint.id, keys };
      },
    );
    return out;
  } finally {
    await store.close();
  }
}

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

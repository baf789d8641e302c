import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@devtrust/collector/config/config';
import { startCollector, type RunningCollector, type StartOptions } from '@devtrust/collector/server';
import { ENROLLMENT_KEY, OWNER_TOKEN } from './credentials.js';
import { freshPostgresDatabase } from './postgres.js';

/**
 * DEVTRUST_TEST_E2E_DATABASE=postgres runs every suite that starts collectors without naming
 * a database on PostgreSQL instead of SQLite: each data dir gets a fresh database (remembered
 * in the data dir, so a restart on the same dir finds it), dropped when the collector stops
 * for good.
 */
const E2E_ON_POSTGRES = process.env.DEVTRUST_TEST_E2E_DATABASE === 'postgres';

/** Set when suites run on PostgreSQL (skip reason for a test about the SQLite file itself). */
export const E2E_ON_POSTGRES_SKIP = E2E_ON_POSTGRES ? 'DEVTRUST_TEST_E2E_DATABASE=postgres: there is no SQLite file' : false;
const DATABASE_FILE = '.test-database-url';

async function databaseFor(dataDir: string): Promise<{ url: string; drop(): Promise<void> }> {
  const file = path.join(dataDir, DATABASE_FILE);
  if (existsSync(file)) {
    const url = readFileSync(file, 'utf8');
    return { url, drop: async () => undefined };
  }
  const pg = await freshPostgresDatabase();
  writeFileSync(file, pg.url);
  return pg;
}

export { ENROLLMENT_KEY, OWNER_TOKEN } from './credentials.js';

export interface TestCollector extends RunningCollector {
  dataDir: string;
  /** Admin API call with the owner key (or another); returns status and parsed JSON. */
  admin(
    method: string,
    path: string,
    body?: unknown,
    options?: { token?: string; contentType?: string },
  ): Promise<{ status: number; body: any }>;
  /** Stops and removes the data dir (unless keepData). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts a real collector on a free loopback port with a fresh data dir: SQLite by default,
 * PostgreSQL when `databaseUrl` is given (see test/support/postgres.ts).
 */
export async function startTestCollector(
  options: StartOptions & { dataDir?: string; databaseUrl?: string | null; env?: Record<string, string> } = {},
): Promise<TestCollector> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'devtrust-test-'));
  const own = options.databaseUrl === undefined && E2E_ON_POSTGRES ? await databaseFor(dataDir) : null;
  const databaseUrl = options.databaseUrl ?? own?.url;
  const config = loadConfig({
    DEVTRUST_HOST: '127.0.0.1',
    DEVTRUST_PORT: '0',
    DEVTRUST_DATA_DIR: dataDir,
    DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
    DEVTRUST_ENROLLMENT_KEY: ENROLLMENT_KEY,
    DEVTRUST_LOG_LEVEL: process.env.DEVTRUST_TEST_LOG_LEVEL ?? 'silent',
    // Tests send wrong keys by the hundred from one address; test/e2e/connection-limits.test.ts sets its own.
    DEVTRUST_LIMIT_ADMIN_AUTH_FAILURES_PER_ADDRESS: '0',
    ...(databaseUrl ? { DEVTRUST_DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  const running = await startCollector(config, options);
  const admin: TestCollector['admin'] = async (method, urlPath, body, opts = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? OWNER_TOKEN}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(`${running.url}${urlPath}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed };
  };
  return {
    ...running,
    dataDir,
    admin,
    stop: async ({ keepData = false } = {}) => {
      await running.close();
      if (!keepData) await own?.drop();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@devtrust/collector/config/config';
import { startCollector } from '@devtrust/collector/server';
import { freshPostgresDatabase } from '../../test/support/postgres.js';
import { ENROLLMENT_KEY, OWNER_TOKEN } from '../lib/admin.js';
import { BENCH_UNLIMITED } from '../lib/targets.js';

/**
 * A collector in this process (the trace tools read its store's statements), on a fresh
 * database: SQLite in a temporary directory, or a throwaway PostgreSQL database through
 * DEVTRUST_TEST_DATABASE_URL. Configured as the bench's collector children are: no abuse
 * limits, no scheduler. `close` stops it and removes both.
 */
export async function startInProcessCollector(kind: 'sqlite' | 'postgres') {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-trace-'));
  const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
  const collector = await startCollector(
    loadConfig({
      DEVTRUST_CONFIG_FILE: '',
      DEVTRUST_HOST: '127.0.0.1',
      DEVTRUST_PORT: '0',
      DEVTRUST_PUBLIC_URL: '',
      DEVTRUST_DATA_DIR: dataDir,
      DEVTRUST_DATABASE_URL: pgDb?.url ?? '',
      DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
      DEVTRUST_ENROLLMENT_KEY: ENROLLMENT_KEY,
      DEVTRUST_ENROLLMENT_RATE_LIMIT: 'off',
      DEVTRUST_LOG_LEVEL: 'error',
      ...BENCH_UNLIMITED,
    }),
    { scheduler: false },
  );
  return {
    collector,
    close: async (): Promise<void> => {
      await collector.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

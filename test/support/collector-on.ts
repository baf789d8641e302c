import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestCollector, type TestCollector } from './collector.js';
import { freshPostgresDatabase } from './postgres.js';

type CollectorOptions = Omit<NonNullable<Parameters<typeof startTestCollector>[0]>, 'dataDir' | 'databaseUrl'>;

export interface CollectorOnDatabase extends TestCollector {
  /** The PostgreSQL database's URL (for another collector sharing it); null on SQLite, whose file is in the data dir. */
  databaseUrl: string | null;
  /** Stops this collector, keeping its data, and starts it again on the same data dir and database, with the same options. */
  restart(): Promise<CollectorOnDatabase>;
  /** Stops the collector, removes its data dir and drops its PostgreSQL database. */
  close(): Promise<void>;
}

/**
 * A collector on one of the databases a suite runs against (`DATABASES` in postgres.ts):
 * SQLite in a fresh data dir, or a fresh PostgreSQL database of its own. Named explicitly,
 * so a suite's SQLite variant stays on SQLite under DEVTRUST_TEST_E2E_DATABASE=postgres.
 */
export async function collectorOn(database: 'sqlite' | 'postgres', options: CollectorOptions = {}): Promise<CollectorOnDatabase> {
  const postgres = database === 'postgres' ? await freshPostgresDatabase() : null;
  const databaseUrl = postgres?.url ?? null;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-test-'));
  const removeAll = async (): Promise<void> => {
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  };
  const start = async (): Promise<CollectorOnDatabase> => {
    const collector = await startTestCollector({ ...options, dataDir, databaseUrl });
    return {
      ...collector,
      databaseUrl,
      restart: async () => {
        await collector.stop({ keepData: true });
        return start();
      },
      close: async () => {
        try {
          await collector.stop();
        } finally {
          await removeAll();
        }
      },
    };
  };
  try {
    return await start();
  } catch (error) {
    // A collector that did not start leaves nothing for the suite's afterAll to close.
    await removeAll();
    throw error;
  }
}

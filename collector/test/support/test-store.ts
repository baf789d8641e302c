import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Platform } from '@devtrust/shared/identity';
import { Store } from '@devtrust/collector/store/store';
import type { Application } from '@devtrust/collector/domain/application';
import { freshPostgresDatabase } from '../../../test/support/postgres.js';

/**
 * A store on a fresh database of the kind given: a SQLite file in a temporary directory, or a
 * throwaway PostgreSQL database (test/support/postgres.ts). `close` stops it and removes both.
 */
export async function openTestStore(kind: 'sqlite' | 'postgres', label: string): Promise<{ store: Store; close(): Promise<void> }> {
  if (kind === 'postgres') {
    const pg = await freshPostgresDatabase();
    const store = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
    return {
      store,
      close: async () => {
        await store.close();
        await pg.drop();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), `devtrust-${label}-`));
  const store = await Store.open({ databaseUrl: null, dataDir: dir });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CSV integration stored straight through the repository (no admin API, no sync run); its id. */
export async function createCsvIntegration(store: Store, name: string, platforms: Platform[]): Promise<string> {
  const id = store.integrations.newId();
  await store.integrations.create(id, {
    kind: 'csv',
    category: 'mdm',
    name,
    platforms,
    config: {},
    sealedSecrets: {},
    schedule: null,
    nextSyncAt: null,
  });
  return id;
}

/** An application stored straight through the repository (no secret anyone could use). `name` must be unique in the store. */
export function createTestApplication(store: Store, name: string): Promise<Application> {
  return store.applications.create({
    name,
    clientId: `c-${name}`,
    secretHash: 'h',
    secretSealed: 's',
    redirectUris: [],
    policy: {},
    reasonDetail: 'full',
  });
}

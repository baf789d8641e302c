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
export async function openTestStore(
  kind: 'sqlite' | 'postgres',
  label: string,
  /** PostgreSQL: a migrated database to copy (testStores), instead of migrating an empty one. */
  template?: string,
): Promise<{ store: Store; close(): Promise<void> }> {
  if (kind === 'postgres') {
    const pg = await freshPostgresDatabase(template);
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

/**
 * Fresh stores for a file whose every test wants its own, as openTestStore opens them. On
 * PostgreSQL each is a copy (CREATE DATABASE … TEMPLATE) of one database migrated at the first
 * `open`, instead of a database migrated anew: migrating took about 1.5 s of each store's 2 s
 * (loaded), copying a few hundred ms. `close` drops that database: call it in afterAll.
 */
export function testStores(
  kind: 'sqlite' | 'postgres',
  label: string,
): {
  open(): Promise<{ store: Store; close(): Promise<void> }>;
  close(): Promise<void>;
} {
  if (kind === 'sqlite') return { open: () => openTestStore(kind, label), close: async () => undefined };
  let template: Promise<{ url: string; drop(): Promise<void> }> | null = null;
  const migrated = async (): Promise<{ url: string; drop(): Promise<void> }> => {
    const pg = await freshPostgresDatabase();
    // Migrated, then closed: a database is copied only while no one is connected to it.
    await (await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() })).close();
    return pg;
  };
  return {
    open: async () => openTestStore(kind, label, new URL((await (template ??= migrated())).url).pathname.slice(1)),
    close: async () => {
      if (template) await (await template).drop();
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

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import { createKnex } from '@devtrust/collector/store/dialect';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { Store } from '@devtrust/collector/store/store';
import { IntegrationNameTaken } from '@devtrust/collector/domain/integration';
import { DATABASES, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { migrateTo } from '../../../test/support/migrate-to.js';

const BEFORE = '20261130140000_approval_and_vendor_posture';

/** An integrations row as a release before unique names could have written it. */
const row = (id: string, name: string, createdAt: number) => ({
  id,
  kind: 'csv',
  category: 'mdm',
  name,
  platforms: '["windows"]',
  config: '{}',
  secrets: '{}',
  activation_mode: 'all-users',
  activation_groups: '[]',
  created_at: createdAt,
  updated_at: createdAt,
});

for (const db of DATABASES)
  describeUnless(db.skip)(`upgrading to unique integration names (${db.name})`, () => {
    let knex: Knex;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      let databaseUrl: string | null = null;
      const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-names-'));
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
      if (db.name === 'postgres') {
        const pg = await freshPostgresDatabase();
        databaseUrl = pg.url;
        cleanup = pg.drop;
      }
      knex = createKnex({ databaseUrl, dataDir: dir }).knex;
      // The schema of the release before, with duplicate names in it.
      await migrateTo(knex, BEFORE);
    });
    afterAll(async () => {
      await knex?.destroy();
      await cleanup();
    });

    it('keeps the oldest name, suffixes the later duplicates (skipping a suffix taken), then refuses new ones', async () => {
      const [done] = (await knex.migrate.list({ migrationSource })) as [{ name: string }[], unknown[]];
      assert.equal(done.at(-1)?.name, BEFORE);
      await knex('integrations').insert([
        row('int_a', 'Laptops', 1),
        row('int_b', 'LAPTOPS', 2),
        row('int_c', 'Laptops (2)', 3),
        row('int_d', 'laptops', 4),
        row('int_e', 'Phones', 5),
      ]);
      await knex.migrate.latest({ migrationSource });
      const names = Object.fromEntries(
        ((await knex('integrations').select('id', 'name').orderBy('id')) as { id: string; name: string }[]).map((r) => [r.id, r.name]),
      );
      // int_b may not take "(2)": a later row already has that name.
      assert.deepEqual(names, { int_a: 'Laptops', int_b: 'LAPTOPS (3)', int_c: 'Laptops (2)', int_d: 'laptops (4)', int_e: 'Phones' });

      const store = new Store(knex, db.name);
      await assert.rejects(
        store.integrations.create(store.integrations.newId(), {
          kind: 'csv',
          category: 'mdm',
          name: 'PHONES',
          platforms: ['windows'],
          config: {},
          sealedSecrets: {},
          schedule: null,
          nextSyncAt: null,
        }),
        (error: unknown) => error instanceof IntegrationNameTaken && error.integrationName === 'PHONES',
      );
      await assert.rejects(store.integrations.update('int_e', { name: 'laptops (3)' }), IntegrationNameTaken);
      assert.equal((await store.integrations.get('int_e'))?.name, 'Phones');
    });
  });

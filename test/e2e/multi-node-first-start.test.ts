import assert from 'node:assert/strict';
import { afterEach, it } from 'vitest';
import { describeUnless } from '../support/skip.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { POSTGRES_SKIP, freshPostgresDatabase } from '../support/postgres.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Store } from '@devtrust/collector/store/store';
import { loadConfig } from '@devtrust/collector/config/config';
import { bootstrap } from '@devtrust/collector/services/bootstrap';
import { SettingsService } from '@devtrust/collector/services/settings';

/**
 * Several collectors started at the same moment on a new PostgreSQL database (a deployment of
 * several nodes brought up together): every one starts, and first-start set-up happens once.
 * Found by the bench, which starts collectors side by side: the second inserted the bootstrap
 * token's owner key again and failed to start on the unique hash.
 */
describeUnless(POSTGRES_SKIP)('collectors starting together on a new PostgreSQL database', () => {
  const started: TestCollector[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    for (const c of started.splice(0)) await c.stop();
    await drop?.();
  });

  const together = async (env: Record<string, string>) => {
    const pg = await freshPostgresDatabase();
    drop = pg.drop;
    const shared = { DEVTRUST_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), ...env };
    const results = await Promise.allSettled([0, 1, 2].map(() => startTestCollector({ databaseUrl: pg.url, env: shared })));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started')),
      ['started', 'started', 'started'],
    );
    return started;
  };

  it('with the bootstrap token on every node: all start, and its owner key is stored once', async () => {
    const [a] = await together({});
    const keys = await a!.store.knex('api_keys').where({ role: 'owner' }).count({ n: '*' }).first();
    assert.equal(Number(keys?.n), 1);
    for (const c of started) assert.equal((await c.admin('GET', '/admin/v1/dashboard')).status, 200);
  });

  it('without one: a single first owner key is generated, by one of them', async () => {
    const [a] = await together({ DEVTRUST_BOOTSTRAP_TOKEN: '' });
    const keys = await a!.store.knex('api_keys').where({ role: 'owner' }).count({ n: '*' }).first();
    assert.equal(Number(keys?.n), 1);
    assert.equal(started.filter((c) => c.firstStart.ownerApiKey !== undefined).length, 1);
  });

  it('first-start set-up run by two nodes at the same moment generates one owner key and one enrollment key', async () => {
    // The set-up itself, side by side on a migrated database (the starts above are staggered by
    // the migration lock; two nodes restarted on a database that has none yet are not).
    const pg = await freshPostgresDatabase();
    drop = pg.drop;
    await (await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() })).close();
    const stores = [
      await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() }),
      await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() }),
    ];
    try {
      const config = (dir: string) =>
        loadConfig({ DEVTRUST_DATA_DIR: dir, DEVTRUST_DATABASE_URL: pg.url, DEVTRUST_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') });
      const dirs = [0, 1].map(() => mkdtempSync(path.join(tmpdir(), 'devtrust-first-start-')));
      const secrets = await Promise.all(stores.map((store, i) => bootstrap(store, new SettingsService(store), config(dirs[i]!))));
      const owners = await stores[0]!.knex('api_keys').where({ role: 'owner' }).count({ n: '*' }).first();
      assert.equal(Number(owners?.n), 1);
      assert.equal(secrets.filter((s) => s.ownerApiKey !== undefined).length, 1);
      assert.equal(secrets.filter((s) => s.enrollmentKey !== undefined).length, 1);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { createTestApp } from '../support/app.js';
import { startTestCollector } from '../support/collector.js';

/**
 * The database knows which master key its secrets are sealed with (collector/src/keys/master-key.ts):
 * a collector with another key stops at start instead of failing on every secret later
 * (docs/operations-backup-upgrade.md). The restore cases are in backup-restore.test.ts.
 */
describe('the master key and the database it belongs to', () => {
  it('a database holding only vendor credentials is judged on them too', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-master-key-'));
    try {
      const c = await startTestCollector({ scheduler: false, dataDir });
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'kandji',
        name: 'Macs',
        platforms: ['macos'],
        config: { baseUrl: 'https://example.api.kandji.io', apiToken: 'kandji-token-0123456789' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await c.store.knex('settings').where({ key: 'master_key.check' }).delete();
      await c.stop({ keepData: true });
      writeFileSync(path.join(dataDir, 'master.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
      await assert.rejects(startTestCollector({ scheduler: false, dataDir }), /does not open the secrets this database holds/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a database from before the check (0.1.0) records its key at the next start, but only a key that opens its secrets', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-master-key-'));
    try {
      let c = await startTestCollector({ scheduler: false, dataDir });
      const app = await createTestApp(c, {});
      await c.admin('GET', '/admin/v1/oidc/keys');
      const knex = c.store.knex;
      const recorded = (await knex('settings').where({ key: 'master_key.check' }).first()) as { value: string } | undefined;
      assert.ok(recorded, 'the first start recorded the check');
      // As a 0.1.0 database: no check recorded.
      await knex('settings').where({ key: 'master_key.check' }).delete();
      await c.stop({ keepData: true });

      const keyFile = path.join(dataDir, 'master.key');
      const original = readFileSync(keyFile, 'utf8');
      writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
      await assert.rejects(startTestCollector({ scheduler: false, dataDir }), /does not open the secrets this database holds/);

      writeFileSync(keyFile, original, { mode: 0o600 });
      c = await startTestCollector({ scheduler: false, dataDir });
      try {
        const again = (await c.store.knex('settings').where({ key: 'master_key.check' }).first()) as { value: string };
        assert.equal(again.value, recorded.value);
        // The secrets it opens: the application's client secret, sealed for the OIDC provider.
        assert.equal((await c.admin('GET', `/admin/v1/applications/${app.id}`)).status, 200);
        assert.equal((await c.admin('GET', '/admin/v1/oidc/keys')).status, 200);
      } finally {
        await c.stop({ keepData: true });
      }

      // From now on another key is refused even where nothing would try to open a secret.
      writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
      await assert.rejects(startTestCollector({ scheduler: false, dataDir }), /is not the one this database's secrets are sealed with/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

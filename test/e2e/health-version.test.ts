import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Store } from '@devtrust/collector/store/store';
import { ROOT, runBin } from '../support/bin.js';
import { startTestCollector, OWNER_TOKEN, type TestCollector } from '../support/collector.js';

const RELEASE = (JSON.parse(readFileSync(path.join(ROOT, 'collector/package.json'), 'utf8')) as { version: string }).version;

/**
 * One version, everywhere an operator looks for it (docs/operations-backup-upgrade.md): the
 * binaries' --version (test/cli/flags.test.ts), /healthz, /readyz, devtrustctl health and the
 * console. /readyz is ready only while the database has exactly the migrations this release knows.
 */
describe('health, readiness and the version', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c.stop());

  const readyz = async (): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${c.url}/readyz`);
    return { status: response.status, body: await response.json() };
  };
  /** /readyz probes at most once a second: wait for a fresh answer. */
  const freshReadyz = async (): Promise<{ status: number; body: any }> => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    return readyz();
  };

  it('/healthz and /readyz name the release', async () => {
    const health = await fetch(`${c.url}/healthz`);
    assert.deepEqual(await health.json(), { ok: true, version: RELEASE, database: 'sqlite' });
    const ready = await readyz();
    assert.equal(ready.status, 200);
    assert.equal(ready.body.ready, true);
    assert.equal(ready.body.version, RELEASE);
  });

  it('devtrustctl health prints it', async () => {
    const r = await runBin('devtrustctl', ['health'], { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^version: ${RELEASE.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('the console shows it in its header, on every page', async () => {
    const page = await (await fetch(`${c.url}/console/`)).text();
    assert.match(page, new RegExp(`id="collector-version"[^>]*>v${RELEASE.replace(/\./g, '\\.')}<`));
    assert.doesNotMatch(page, /%VERSION%/);
  });

  it('/readyz is 503 while a migration of this release is not applied, and while the database has one it does not know', async () => {
    const knex = c.store.knex;
    const applied = (await knex('knex_migrations').orderBy('id', 'desc').first()) as {
      id: number;
      name: string;
      batch: number;
      migration_time: unknown;
    };
    await knex('knex_migrations').where({ id: applied.id }).delete();
    try {
      const pending = await freshReadyz();
      assert.equal(pending.status, 503);
      assert.deepEqual(pending.body.failing, ['database.migrations']);
      assert.equal(pending.body.checks['database.migrations'].kind, 'migrations_pending');
      assert.equal(pending.body.version, RELEASE);
    } finally {
      await knex('knex_migrations').insert(applied);
    }
    assert.equal((await freshReadyz()).status, 200);

    // A newer collector sharing the database ran a migration this one does not have.
    await knex('knex_migrations').insert({
      name: '29991231000000_from_a_newer_release',
      batch: applied.batch + 1,
      migration_time: new Date(),
    });
    try {
      const unknown = await freshReadyz();
      assert.equal(unknown.status, 503);
      assert.equal(unknown.body.checks['database.migrations'].kind, 'migrations_unknown');
      // And this release, opening that database again, refuses it and says why (docs/operations-backup-upgrade.md#rollback).
      // Opened as a collector starting opens it: a second collector on this SQLite file would be
      // refused before that, as the first still holds it (store/data-dir-lock.ts).
      await assert.rejects(
        Store.open({ databaseUrl: c.services.config.databaseUrl, dataDir: c.dataDir }),
        /migrated by a newer DevTrust release \(migrations this release does not know: 29991231000000_from_a_newer_release\)/,
      );
    } finally {
      await knex('knex_migrations').where({ name: '29991231000000_from_a_newer_release' }).delete();
    }
    assert.equal((await freshReadyz()).status, 200);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Store } from '@devtrust/collector/store/store';

/**
 * After SQLITE_FULL or SQLITE_IOERR, SQLite may have rolled the transaction back itself;
 * knex's own ROLLBACK then fails ("cannot rollback - no transaction is active") and used to
 * replace the real cause. Here the transaction is ended under knex the same way (a real
 * SQLite database), and the caller must still get the original error.
 */
describe('a transaction the database already rolled back', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-rollback-'));
    store = await Store.open({ databaseUrl: null, dataDir: dir });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects with the error that failed it, not with the failed ROLLBACK', async () => {
    const cause = Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    await assert.rejects(
      store.knex.transaction(async (trx) => {
        await trx('settings').insert({ key: 'rollback-test', value: 'x' });
        await trx.raw('ROLLBACK'); // what SQLite does by itself after SQLITE_FULL
        throw cause;
      }),
      (error: unknown) => {
        assert.equal(error, cause, `got ${(error as Error).message}`);
        return true;
      },
    );
    // Nothing was stored, and the store works on (the connection was replaced).
    assert.equal((await store.knex('settings').where({ key: 'rollback-test' }).first()) ?? null, null);
    await store.knex('settings').insert({ key: 'rollback-test', value: 'after' });
    assert.equal((await store.knex('settings').where({ key: 'rollback-test' }).first()).value, 'after');
  });
});

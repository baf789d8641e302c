import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { openTestStore, createTestApplication } from '../support/test-store.js';

/**
 * A decision reached before its transaction expired but written after (SQLite: it waited in
 * the group commit behind a held write lock) must not be stored: meanwhile the application
 * read the transaction as expired, and an expired transaction stays so.
 */
describe('a decision written after its transaction expired (sqlite)', () => {
  let store: Store;
  let close: () => Promise<void>;
  let applicationId: string;

  beforeAll(async () => {
    ({ store, close } = await openTestStore('sqlite', 'decision-expiry'));
    const app = await createTestApplication(store, 'expiry');
    applicationId = app.id;
  });
  afterAll(async () => {
    await close();
  });

  it('is refused, and the transaction the application saw expire stays expired', async () => {
    const tx = await store.openTransaction(applicationId, 'someone@example.com', 300);
    // Read once before: the statement is then compiled and runs on the read connection, beside the lock.
    assert.equal((await store.transactions.get(tx.id))?.state, 'pending');
    const file = (store.knex.client.config.connection as { filename: string }).filename;
    // Another program holds SQLite's one write lock: the decision's write waits for it.
    const other = knexFactory({
      client: 'sqlite3',
      connection: { filename: path.resolve(file) },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
    });
    const trx = await other.transaction();
    let decided: Promise<boolean>;
    try {
      await trx.raw("insert into settings (key, value) values ('decision-expiry', 'x')");
      const at = Date.now();
      assert.ok(at < tx.expiresAt, 'decided before the expiry');
      decided = store.recordDecision({
        transaction: tx,
        endpointId: null,
        applicationName: 'expiry',
        verdict: { verdict: 'untrusted', access: 'deny', reasons: ['no agent'], assurance: null } as never,
        at,
      });
      while (Date.now() <= tx.expiresAt) await sleep(50);
      assert.equal((await store.transactions.get(tx.id))?.state, 'expired', 'the application reads it expired');
    } finally {
      await trx.rollback();
      await other.destroy();
    }
    assert.equal(await decided, false);
    assert.equal((await store.transactions.get(tx.id))?.state, 'expired');
    assert.equal((await store.knex('auth_log').where({ transaction_id: tx.id })).length, 0);
  });
});

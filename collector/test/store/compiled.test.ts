import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore, createTestApplication } from '../support/test-store.js';

// The attestation's reads are compiled once and, on PostgreSQL, prepared per connection: a
// column another collector's migration adds must not break them.
for (const db of DATABASES) {
  describeUnless(db.skip)(`statements compiled once (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'compiled'));
    });
    afterAll(async () => close?.());

    it('keep answering after a column is added to the table they read', async () => {
      const app = await createTestApplication(store, 'compiled');
      const tx = await store.openTransaction(app.id, 'someone@example.com', 60_000);
      // Compiled by the first calls, then run as prepared statements.
      for (let i = 0; i < 3; i++) {
        assert.equal((await store.transactions.get(tx.id))?.username, 'someone@example.com');
        assert.equal((await store.transactions.withUser(tx.id))?.transaction.id, tx.id);
      }
      await store.knex.schema.alterTable('transactions', (t) => t.string('added_by_a_newer_release').nullable());
      for (let i = 0; i < 3; i++) {
        assert.equal((await store.transactions.get(tx.id))?.username, 'someone@example.com');
        assert.equal((await store.transactions.withUser(tx.id))?.transaction.id, tx.id);
      }
    });
  });
}

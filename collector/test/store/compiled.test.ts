import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { selectCompiled } from '@devtrust/collector/store/compiled';
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

    // SQLite plans with a bound LIMIT's value, so binding it expires the prepared statement and
    // every call parsed and planned the read again (store/inline-limits.ts). The LIMIT is part
    // of the statement's text on SQLite instead; PostgreSQL binds it as before.
    it(`reads a decision makes ${db.name === 'sqlite' ? 'write their LIMIT into the statement' : 'bind their LIMIT'}`, async () => {
      const app = await createTestApplication(store, 'limits');
      const tx = await store.openTransaction(app.id, 'limit@example.com', 60_000);
      const reads = async (): Promise<void> => {
        assert.equal((await store.transactions.get(tx.id))?.username, 'limit@example.com');
        assert.equal((await store.transactions.withUser(tx.id))?.transaction.id, tx.id);
        assert.deepEqual(await store.inventory.findByIdentifiers([{ kind: 'serialNumber', value: 'NO-SUCH-SERIAL' }], [app.id]), [[]]);
      };
      // The first call of each runs the query knex built, and compiles it.
      await reads();
      const seen: string[] = [];
      const listener = (done: { sql: string }) => seen.push(done.sql);
      statementsOf(store.knex.client).on('done', listener);
      try {
        for (let i = 0; i < 3; i++) await reads();
      } finally {
        statementsOf(store.knex.client).off('done', listener);
      }
      const selects = seen.filter((sql) => /^select/i.test(sql));
      assert.equal(selects.length, 9, selects.join('\n'));
      for (const sql of selects) {
        if (db.name === 'sqlite') assert.doesNotMatch(sql, /limit \?/i, sql);
        else assert.match(sql, /limit \$\d+/i, sql);
      }
    });

    // One shape, its LIMIT changing between callers: each gets as many rows as it asked for,
    // whichever LIMIT the statement compiled first wrote in, in any order.
    it('answer each caller its own LIMIT when one shape is read with several', async () => {
      const app = await createTestApplication(store, 'limit-shapes');
      for (let i = 0; i < 5; i++) await store.openTransaction(app.id, 'many@example.com', 60_000);
      const read = (limit: number) =>
        selectCompiled<{ id: string }>(
          store.knex,
          'test: transactions of a user',
          () => store.knex('transactions').where('username', 'many@example.com').orderBy('id').limit(limit),
          ['many@example.com', limit],
        );
      for (const limit of [1, 3, 1, 5, 2, 2, 0, 4]) assert.equal((await read(limit)).length, limit, `limit ${limit}`);
      const all = (await read(5)).map((row) => row.id);
      assert.deepEqual(
        (await read(2)).map((row) => row.id),
        all.slice(0, 2),
      );
    });
  });
}

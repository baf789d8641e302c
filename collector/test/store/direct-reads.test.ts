import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { directReadsOf } from '@devtrust/collector/store/direct-reads';
import { runOnDriver } from '@devtrust/collector/store/driver-statements';
import type { Verdict } from '@devtrust/collector/domain/verdict';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore, createTestApplication } from '../support/test-store.js';

/**
 * The hot reads of a decision run past knex (store/direct-reads.ts): on SQLite on a read-only
 * connection of their own. They must see every write that resolved, and nothing that has not
 * committed; inside a transaction they must see its own writes.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`decision reads straight on the driver (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let appId: string;
    const trusted: Verdict = { verdict: 'trusted', access: 'allow', reasons: ['allowed: trusted device'], assurance: 'identifiers' };

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'direct-reads'));
      const app = await createTestApplication(store, 'direct');
      appId = app.id;
      // Compiled by a first call: every later one of the shape runs on the driver.
      const first = await store.openTransaction(appId, 'first@example.com', 60_000);
      assert.equal((await store.transactions.get(first.id))?.id, first.id);
      assert.equal((await store.transactions.withUser(first.id))?.transaction.id, first.id);
    });
    afterAll(async () => close?.());

    it('run outside a transaction, and each is seen as a statement that succeeded', async () => {
      assert.ok(directReadsOf(store.knex));
      const tx = await store.openTransaction(appId, 'counted@example.com', 60_000);
      const seen: string[] = [];
      const listener = ({ sql }: { sql: string }): void => void seen.push(sql);
      const knexQueries: string[] = [];
      const knexListener = (q: { sql: string }): void => void knexQueries.push(q.sql);
      statementsOf(store.knex.client).on('done', listener);
      store.knex.on('query', knexListener);
      try {
        assert.equal((await store.transactions.get(tx.id))?.username, 'counted@example.com');
      } finally {
        statementsOf(store.knex.client).off('done', listener);
        store.knex.off('query', knexListener);
      }
      assert.equal(seen.length, 1);
      assert.match(seen[0] ?? '', /^select/i);
      // Not through knex's runner: that is the point.
      assert.deepEqual(knexQueries, []);
    });

    it('see every opening and decision once it resolved, many at a time', async () => {
      const opened = await Promise.all(Array.from({ length: 40 }, (_, i) => store.openTransaction(appId, `user${i}@example.com`, 60_000)));
      // Each read right after its own write resolved, while the others' writes are still being committed.
      await Promise.all(
        opened.map(async (tx, i) => {
          const read = await store.transactions.withUser(tx.id);
          assert.equal(read?.transaction.state, 'pending', tx.id);
          assert.equal(read?.transaction.username, `user${i}@example.com`);
          assert.equal(
            await store.recordDecision({ transaction: tx, endpointId: null, applicationName: 'direct', verdict: trusted, at: Date.now() }),
            true,
          );
          const decided = await store.transactions.get(tx.id);
          assert.equal(decided?.state, 'decided', tx.id);
          assert.deepEqual(decided?.verdict, trusted);
        }),
      );
    });

    it('inside a transaction read its own writes, and outside nothing of it before the commit', async () => {
      let inside: string | null = null;
      await store.transaction(async (tx) => {
        const created = await tx.transactions.create(appId, 'uncommitted@example.com', 60_000);
        inside = created.id;
        assert.equal(directReadsOf(tx.knex), null);
        assert.equal((await tx.transactions.get(created.id))?.username, 'uncommitted@example.com');
        assert.equal((await tx.transactions.withUser(created.id))?.transaction.id, created.id);
        // On SQLite this read would have waited for the transaction's connection; it reads what is committed.
        assert.equal(await store.transactions.get(created.id), null);
      });
      assert.equal((await store.transactions.get(inside as unknown as string))?.username, 'uncommitted@example.com');
      // A rolled-back write is never seen.
      let rolledBack = '';
      await assert.rejects(
        store.transaction(async (tx) => {
          rolledBack = (await tx.transactions.create(appId, 'rolled-back@example.com', 60_000)).id;
          throw new Error('abandon');
        }),
        /abandon/,
      );
      assert.equal(await store.transactions.get(rolledBack), null);
    });

    it("recover after a failed read, and the fault monitor counts the failure as it counts knex's", async () => {
      const reads = directReadsOf(store.knex);
      assert.ok(reads);
      const before = store.faults.errorsByKind.get('other') ?? 0;
      await assert.rejects(reads.select({ native: 'select * from no_such_table', name: 'devtrust_test_missing' }, []));
      assert.equal(store.faults.errorsByKind.get('other'), before + 1);
      // A statement on the driver that fails (here a write) is counted too.
      await assert.rejects(
        runOnDriver(store.knex, { native: 'insert into no_such_table (a) values (1)', name: 'devtrust_test_missing_write' }, []),
      );
      assert.equal(store.faults.errorsByKind.get('other'), before + 2);
      const tx = await store.openTransaction(appId, 'after@example.com', 60_000);
      assert.equal((await store.transactions.get(tx.id))?.username, 'after@example.com');
    });

    if (db.name === 'sqlite') {
      it('cannot write through the SQLite read connection', async () => {
        const reads = directReadsOf(store.knex);
        assert.ok(reads);
        await assert.rejects(
          reads.select({ native: "update transactions set username = 'overwritten'", name: 'devtrust_test_write' }, []),
          (error: { code?: string }) => error.code === 'SQLITE_READONLY',
        );
        assert.equal(await store.knex('transactions').where({ username: 'overwritten' }).first(), undefined);
      });
    }
  });
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`decision reads after the store closed (${db.name})`, () => {
    it('are not opened again, and no connection is left open on the database file', async () => {
      const { store, close } = await openTestStore(db.name, 'direct-reads-closed');
      const file = store.file;
      const app = await createTestApplication(store, 'closing');
      // Statements prepared on the writer (an opening, a decision) and on the reader (the reads).
      for (let i = 0; i < 3; i++) {
        const tx = await store.openTransaction(app.id, 'closing@example.com', 60_000);
        assert.equal((await store.transactions.get(tx.id))?.id, tx.id);
        const verdict: Verdict = { verdict: 'trusted', access: 'allow', reasons: [], assurance: null };
        assert.equal(
          await store.recordDecision({ transaction: tx, endpointId: null, applicationName: 'closing', verdict, at: Date.now() }),
          true,
        );
      }
      assert.ok(directReadsOf(store.knex));
      if (file) assert.ok(openFilesOf(file) >= 2, 'the writer and the reader have the file open');
      await close();
      assert.equal(directReadsOf(store.knex), null);
      // SQLite does not close a connection with statements left: every one was finalised first.
      if (file) assert.equal(openFilesOf(file), 0);
    });
  });
}

/** How many of this process's file descriptors are open on `file` (Linux /proc). */
function openFilesOf(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestApplication } from '../support/test-store.js';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Store } from '@devtrust/collector/store/store';
import { GroupCommit } from '@devtrust/collector/store/group-commit';

// SQLite: concurrent small writes share one commit; one that fails is rejected alone and the others are stored.
describe('group commit on SQLite', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-group-'));
    store = await Store.open({ databaseUrl: null, dataDir: dir });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits writes that arrive together in fewer transactions, and a failing one alone rolls back', async () => {
    const app = await createTestApplication(store, 'grouped');
    let commits = 0;
    let savepoints = 0;
    const count = (q: { sql: string }): void => {
      if (/^commit/i.test(q.sql)) commits++;
      if (/savepoint/i.test(q.sql)) savepoints++;
    };
    store.knex.on('query', count);
    const group = new GroupCommit(store.knex, true);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        group.run(async (trx) => {
          await trx('transactions').insert({
            id: `tx_grouped_${i}`,
            application_id: app.id,
            username: `u${i}`,
            created_at: 1,
            expires_at: 2,
            state: 'pending',
          });
          // Every seventh write fails after its insert: only its own row must go.
          if (i % 7 === 3) throw new Error(`write ${i} fails`);
          return i;
        }),
      ),
    );
    store.knex.off('query', count);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    assert.deepEqual(failed, [3, 10, 17, 24]);
    assert.deepEqual(
      results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
      Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 7 !== 3),
    );
    const stored = (await store.knex('transactions').where('id', 'like', 'tx_grouped_%').pluck('id')) as string[];
    assert.equal(stored.length, 26);
    assert.ok(!stored.includes('tx_grouped_3'));
    assert.ok(commits < 30 / 2, `${commits} commits for 30 writes`);
    // No savepoint per write: a failure rolls the batch back and the others are written again.
    assert.equal(savepoints, 0);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { BackgroundWrites } from '@devtrust/collector/store/background-writes';
import { createKnex } from '@devtrust/collector/store/dialect';

// Background writes read the knex pool's events: a pool knex makes anew (after destroy and
// initialize) must be the one watched, or a sync would never see the store busy again.
it("watches the store's current pool, also after knex made a new one", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-bg-'));
  const { knex } = createKnex({ databaseUrl: null, dataDir: dir });
  try {
    const busyAfterRequests = async (): Promise<boolean> => {
      const writes = BackgroundWrites.of(knex) as BackgroundWrites;
      assert.equal(writes.busy, false);
      // Others asking for the connection at well over the busy rate.
      await Promise.all(Array.from({ length: 120 }, () => knex.raw('select 1')));
      return writes.busy;
    };
    const first = BackgroundWrites.of(knex);
    assert.equal(BackgroundWrites.of(knex), first);
    assert.equal(await busyAfterRequests(), true);
    await knex.destroy();
    knex.initialize();
    assert.notEqual(BackgroundWrites.of(knex), first);
    assert.equal(await busyAfterRequests(), true);
    const trx = await knex.transaction();
    assert.equal(BackgroundWrites.of(trx), null, 'none inside a transaction');
    await trx.rollback();
  } finally {
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'vitest';
import { BackgroundWrites, pauseAfter } from '@devtrust/collector/store/background-writes';
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

// While users keep the store busy, a sync's writes take at most a quarter of the time: each
// paced write starts no sooner than pauseAfter(the previous one's duration) after it ended.
// (On a quiet store they go flat out: see decisions-during-sync.test.ts for the verdicts.)
it('paces background writes while the store is busy: each waits three times as long as the one before took', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-bg-'));
  const { knex } = createKnex({ databaseUrl: null, dataDir: dir });
  try {
    const writes = BackgroundWrites.of(knex) as BackgroundWrites;
    let others = true;
    // Others asking for the connection throughout, well over the busy rate.
    const load = (async () => {
      while (others) await Promise.all(Array.from({ length: 20 }, () => knex.raw('select 1')));
    })();
    while (!writes.busy) await sleep(1);
    const spans: { start: number; end: number }[] = [];
    for (const holdMs of [5, 20, 40, 5, 120]) {
      await writes.run(
        async () => {
          const start = performance.now();
          await knex.raw('select 1');
          await sleep(holdMs);
          spans.push({ start, end: performance.now() });
        },
        { paced: true },
      );
    }
    others = false;
    await load;
    assert.equal(pauseAfter(10), 30);
    assert.equal(pauseAfter(10_000), 250, 'a slow write does not stop the sync for long');
    for (let i = 1; i < spans.length; i++) {
      const before = spans[i - 1] as { start: number; end: number };
      const gap = (spans[i] as { start: number }).start - before.end;
      // Date.now() and performance.now() disagree by up to a millisecond on when a write ended.
      const wanted = pauseAfter(Math.floor(before.end - before.start)) - 2;
      assert.ok(
        gap >= wanted,
        `write ${i} started ${gap.toFixed(1)} ms after the one before, which took ${(before.end - before.start).toFixed(1)} ms`,
      );
    }
  } finally {
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

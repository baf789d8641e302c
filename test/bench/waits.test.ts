import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { storedSettled } from '../../bench/figures/storm.js';
import { now, within } from '../../bench/lib/timing.js';

/** A stored-row count that answers `counts` in turn (the last one from then on), counting its reads. */
function counts(...answers: number[]): { read: () => Promise<number>; reads: () => number } {
  let reads = 0;
  return {
    read: async () => answers[Math.min(reads++, answers.length - 1)] as number,
    reads: () => reads,
  };
}

// The bench's waits end when what they wait for is there, not after a fixed sleep (counts, not times).
describe('bench waits', () => {
  it('takes the stored count as final once every issued report is a row', async () => {
    const stored = counts(5, 8, 10, 10, 10);
    assert.equal(await storedSettled(stored.read, 10), 10);
    assert.equal(stored.reads(), 3, 'no read after the count reached the reports issued');
    const already = counts(12);
    assert.equal(await storedSettled(already.read, 10), 12, 'a report stored twice only adds');
    assert.equal(already.reads(), 1);
  });

  it('takes a count short of the issued reports once it stops moving', async () => {
    const stored = counts(3, 4, 4);
    assert.equal(await storedSettled(stored.read, 10), 4);
    assert.ok(stored.reads() > 3, 'read again while it stood still');
  });

  it('cuts a pause to what is left of its run', () => {
    const end = now() + 50;
    assert.ok(within(10_000, end) <= 50);
    assert.equal(within(10, now() + 10_000), 10);
    assert.equal(within(10, now() - 1), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { retryAfterOf, unavailableCloseReason } from '@devtrust/shared/protocol';
import { backoffDelay, retryAfterDelay } from '../../src/link/backoff.js';

describe('reconnect backoff', () => {
  it('grows exponentially, stays within its cap and is jittered', () => {
    for (const [attempt, ceiling] of [
      [0, 1000],
      [1, 2000],
      [3, 8000],
      [20, 300_000],
    ] as const) {
      assert.equal(
        backoffDelay(attempt, 1000, 300_000, () => 0),
        500,
        'the floor is half the base',
      );
      assert.equal(
        backoffDelay(attempt, 1000, 300_000, () => 0.999999),
        Math.floor(500 + 0.999999 * (ceiling - 500)),
      );
    }
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(5, 1000, 300_000)));
    assert.ok(spread.size > 40, 'two agents rarely pick the same delay');
  });

  it("spreads the collector's retry-after over one to two times it, read from the close reason", () => {
    assert.equal(retryAfterOf(unavailableCloseReason(15)), 15);
    assert.equal(retryAfterOf('UNAVAILABLE retry-after=7'), 7);
    for (const reason of ['', 'INTERNAL', 'UNAVAILABLE', 'UNAVAILABLE retry-after=-1', 'UNAVAILABLE retry-after=1e9x']) {
      assert.equal(retryAfterOf(reason), null, reason);
    }
    assert.equal(
      retryAfterDelay(15, () => 0),
      15_000,
    );
    assert.equal(
      retryAfterDelay(15, () => 0.999999),
      Math.floor(15_000 * 1.999999),
    );
  });
});

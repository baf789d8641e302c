import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { backoffDelay } from '../../src/link/backoff.js';

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
});

import assert from 'node:assert/strict';
import { it } from 'vitest';
import { chunksByParameters } from '@devtrust/collector/store/in-lists';

// Statements built of parts that bind different numbers of parameters (united lookups).
it('chunksByParameters cuts runs at the parameter budget or the item count, whichever comes first', () => {
  const cost = (n: number): number => n;
  assert.deepEqual(chunksByParameters([], cost, 3, 10), []);
  assert.deepEqual(chunksByParameters([4, 4, 4, 4], cost, 10, 10), [
    [4, 4],
    [4, 4],
  ]);
  assert.deepEqual(chunksByParameters([1, 1, 1, 1, 1], cost, 2, 100), [[1, 1], [1, 1], [1]]);
  // Exactly the budget fits; one item past it alone goes in a run of its own.
  assert.deepEqual(chunksByParameters([5, 5, 12, 3], cost, 10, 10), [[5, 5], [12], [3]]);
  // Order is kept.
  assert.deepEqual(chunksByParameters([1, 2, 3, 4, 5, 6], cost, 10, 6).flat(), [1, 2, 3, 4, 5, 6]);
});

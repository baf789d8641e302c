import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  bindingKey,
  judgeWaiters,
  type HeldValue,
  type ReleaseFacts,
  type ReleaseWaiter,
} from '@devtrust/collector/store/release-judgement';

const waiter = (
  id: string,
  enrolledAt: number,
  identifiers: ReleaseWaiter['identifiers'],
  macs: string[] = [],
  claimableMacs: string[] = [],
): ReleaseWaiter => ({
  id,
  enrolledAt,
  identifiers,
  macs,
  claimableMacs,
});
const facts = (
  waiters: ReleaseWaiter[],
  bindings: Record<string, HeldValue[]> = {},
  macHolders: ReleaseFacts['macHolders'] = new Map(),
): ReleaseFacts => ({
  waiters,
  bindings: new Map(Object.entries(bindings)),
  macHolders,
  at: 1000,
});

describe('judging the waiters of a released holder', () => {
  it('frees the first waiter on a value and keeps the later ones pending on it', () => {
    const verdicts = judgeWaiters(
      facts([waiter('a', 1, [['machineGuid', 'G']]), waiter('b', 2, [['machineGuid', 'G']]), waiter('c', 3, [['machineGuid', 'G']])]),
    );
    assert.deepEqual(verdicts, [
      { id: 'a', claims: [] },
      { id: 'b', claims: [{ kind: 'machineGuid', value: 'G', heldBy: ['a'] }] },
      { id: 'c', claims: [{ kind: 'machineGuid', value: 'G', heldBy: ['a'] }] },
    ]);
  });

  it('keeps pending on remaining holders, blocked or not, oldest binding first, then by id, never itself', () => {
    const verdicts = judgeWaiters(
      facts(
        [
          waiter('w', 1, [
            ['serialNumber', 'S'],
            ['hardwareUuid', 'U'],
          ]),
        ],
        {
          [bindingKey('serialNumber', 'S')]: [
            { endpointId: 'z', boundAt: 5 },
            { endpointId: 'w', boundAt: 1 },
            { endpointId: 'y', boundAt: 5 },
          ],
        },
      ),
    );
    assert.deepEqual(verdicts, [{ id: 'w', claims: [{ kind: 'serialNumber', value: 'S', heldBy: ['y', 'z'] }] }]);
  });

  it('names at most 20 holders per claim', () => {
    const held = Array.from({ length: 25 }, (_, i) => ({ endpointId: `h${String(i).padStart(2, '0')}`, boundAt: i }));
    const [verdict] = judgeWaiters(facts([waiter('w', 1, [['serialNumber', 'S']])], { [bindingKey('serialNumber', 'S')]: held }));
    assert.equal(verdict?.claims[0]?.heldBy.length, 20);
    assert.equal(verdict?.claims[0]?.heldBy[19], 'h19');
  });

  it('a freed waiter keeps the binding it had and binds the rest at the release time', () => {
    // `a` held U from an earlier approval (bound at 0); it is freed, and binds S at 1000: after `x` (bound at 500).
    const verdicts = judgeWaiters(
      facts(
        [
          waiter('a', 1, [
            ['hardwareUuid', 'U'],
            ['serialNumber', 'S'],
          ]),
          waiter('b', 2, [
            ['hardwareUuid', 'U'],
            ['serialNumber', 'S'],
          ]),
        ],
        {
          [bindingKey('hardwareUuid', 'U')]: [{ endpointId: 'a', boundAt: 0 }],
          [bindingKey('serialNumber', 'T')]: [{ endpointId: 'x', boundAt: 500 }],
        },
      ),
    );
    assert.deepEqual(verdicts[1], {
      id: 'b',
      claims: [
        { kind: 'hardwareUuid', value: 'U', heldBy: ['a'] },
        { kind: 'serialNumber', value: 'S', heldBy: ['a'] },
      ],
    });
  });

  it('MAC claims: holders read, then waiters freed before, by enrollment; only the claimable MACs', () => {
    const verdicts = judgeWaiters(
      facts(
        [
          waiter('a', 10, [['serialNumber', 'A']], ['M1', 'M2'], ['M2']),
          waiter('b', 20, [['serialNumber', 'B']], ['M1'], ['M1']),
          waiter('c', 30, [['serialNumber', 'C']], ['M1'], []),
        ],
        {},
        new Map([
          ['M2', []],
          ['M1', [{ id: 'old', enrolledAt: 15 }]],
        ]),
      ),
    );
    assert.deepEqual(verdicts, [
      { id: 'a', claims: [] },
      { id: 'b', claims: [{ kind: 'macAddress', value: 'M1', heldBy: ['a', 'old'] }] },
      { id: 'c', claims: [] },
    ]);
  });

  it('does not change the facts it is given', () => {
    const bindings = { [bindingKey('machineGuid', 'G')]: [{ endpointId: 'h', boundAt: 1 }] };
    const given = facts([waiter('a', 1, [['serialNumber', 'S']])], bindings);
    judgeWaiters(given);
    assert.deepEqual(given.bindings.get(bindingKey('machineGuid', 'G')), [{ endpointId: 'h', boundAt: 1 }]);
    assert.equal(given.bindings.has(bindingKey('serialNumber', 'S')), false);
  });
});

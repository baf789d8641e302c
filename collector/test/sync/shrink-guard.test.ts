import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DEFAULT_MAX_DROP_PERCENT, DROP_LIMIT_MIN_DEVICES, shrinkRefusal } from '@devtrust/collector/sync/shrink-guard';

/** Where the guard draws its lines: the documented default, the 10-device floor, 100 and the confirmation. */
describe('shrinkRefusal', () => {
  const check = (kept: number, found: number, maxDropPercent?: number, allowEmpty = false) =>
    shrinkRefusal({ kept, found, allowEmpty, maxDropPercent })?.code ?? null;

  it('matches what docs/integration-syncs.md says', () => {
    assert.equal(DEFAULT_MAX_DROP_PERCENT, 50);
    assert.equal(DROP_LIMIT_MIN_DEVICES, 10);
  });

  it.each([
    // kept, found, limit, confirmed → refusal
    [0, 0, undefined, false, null], // nothing to lose
    [1, 0, undefined, false, 'VENDOR_EMPTY_INVENTORY'],
    [90_000, 0, 100, false, 'VENDOR_EMPTY_INVENTORY'], // 100 turns off the share limit, not the empty one
    [90_000, 0, undefined, true, null],
    [90_000, 3, undefined, false, 'VENDOR_INVENTORY_DROP'],
    [90_000, 3, undefined, true, null],
    [90_000, 3, 100, false, null],
    [100, 50, undefined, false, null], // exactly the limit passes
    [100, 49, undefined, false, 'VENDOR_INVENTORY_DROP'],
    [100, 89, 10, false, 'VENDOR_INVENTORY_DROP'],
    [100, 90, 10, false, null],
    [12, 3, undefined, false, null], // 9 fewer: under the floor
    [13, 3, undefined, false, 'VENDOR_INVENTORY_DROP'], // 10 fewer
    [30, 45, 1, false, null], // grew
  ] as const)('kept %i, found %i, limit %s, confirmed %s → %s', (kept, found, limit, confirmed, expected) => {
    assert.equal(check(kept, found, limit, confirmed), expected);
  });

  it.each([
    // kept, found, minDevices → refusal of a confirmed run
    [90_000, 40_000, 40_000, null],
    [90_000, 40_001, 40_000, null],
    [90_000, 39_999, 40_000, 'VENDOR_INVENTORY_DROP'],
    [90_000, 0, 40_000, 'VENDOR_INVENTORY_DROP'], // the vendor fell further after the admin accepted 40,000
    [12, 0, 0, null], // accepting an empty inventory
  ] as const)('confirmed: kept %i, found %i, minDevices %i → %s', (kept, found, minDevices, expected) => {
    assert.equal(shrinkRefusal({ kept, found, allowEmpty: true, minDevices, maxDropPercent: undefined })?.code ?? null, expected);
  });

  it('says what was found, the share and the limit, and how to confirm', () => {
    const refusal = shrinkRefusal({ kept: 90_000, found: 3, allowEmpty: false, maxDropPercent: undefined });
    assert.equal(
      refusal?.message,
      "the sync found 3 devices where the last good inventory has 90,000: 99.9% fewer, over this integration's limit of 50%; the last good inventory is kept. Check the account's scope; to accept it, sync once with allowEmpty=true (devtrustctl integration sync ID --allow-empty)",
    );
    assert.ok(refusal.message.length <= 300, 'run history keeps 300 characters');
  });
});

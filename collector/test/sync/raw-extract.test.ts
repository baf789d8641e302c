import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';

/**
 * The raw extract a mapper hands over (model, OS, last check-in) is shown to admins as it is
 * stored. Every mapper today builds it flat from text and booleans, so the vendor fuzz
 * (test/fuzz/vendor-mappers.test.ts) never reaches the general path below: a mapper that
 * copied a vendor object whole would. These cases hold that path to what it promises.
 */
const device = (raw: Record<string, unknown>) => ({ externalId: 'd-1', serialNumber: 'C02XK1ABJG5H', raw });

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

describe('the raw extract of a vendor device', () => {
  it('keeps a flat, clean extract as it is', () => {
    const raw = { model: 'MacBookPro18,1', osVersion: '14.5', agentInstalled: true, checkIns: 3, note: null };
    assert.deepEqual(toStagedRecord(device(raw))?.raw, raw);
  });

  it('drops an extract nested past the stack, and keeps the device', () => {
    // Deep enough that JSON.stringify overflows the stack on every Node the collector runs on.
    const record = toStagedRecord(device({ vendor: nested(20_000) }));
    assert.ok(record, 'the device is kept');
    assert.equal(record.serialNumber, 'C02XK1ABJG5H');
    assert.equal(record.raw, undefined);
  });

  it('keeps a nested extract, with unsafe characters in names and text shown as spaces', () => {
    const record = toStagedRecord(device({ vendor: { ['mo\u0000del']: 'Mac\u202eBook', list: ['a\ud800b', 1] } }));
    assert.deepEqual(record?.raw, { vendor: { 'mo del': 'Mac Book', list: ['a b', 1] } });
  });

  it('cuts an extract longer than the limit to a bounded text', () => {
    const record = toStagedRecord(device({ vendor: { blob: 'z'.repeat(50_000), nested: { a: 1 } } }));
    const truncated = (record?.raw as { truncated?: unknown } | undefined)?.truncated;
    assert.equal(typeof truncated, 'string');
    assert.ok((truncated as string).length <= 2_000);
    assert.ok((truncated as string).startsWith('{"vendor":{"blob":"zzz'));
  });
});

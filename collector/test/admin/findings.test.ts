import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { csvInventory } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

describe('findings name identifier kinds in domain terms', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c.stop();
  });

  it('a value several inventory records hold is reported by its kind, as endpoint duplicates are, never by a column name', async () => {
    const integrationId = await csvInventory(c, 'serial_number,hardware_uuid,device_name\nDUPE-1,,one\nDUPE-1,,two\n');
    const { findings } = (await c.admin('GET', '/admin/v1/findings')).body;
    const dupe = findings.find((f: { type: string }) => f.type === 'duplicate-inventory-identifier');
    assert.ok(dupe, JSON.stringify(findings));
    assert.equal(dupe.integrationId, integrationId);
    assert.equal(dupe.kind, 'serialNumber');
    assert.equal(dupe.value, 'DUPE1', 'normalised as stored');
    assert.equal(dupe.count, 2);
    assert.doesNotMatch(dupe.message, /serial_number/);
  });
});

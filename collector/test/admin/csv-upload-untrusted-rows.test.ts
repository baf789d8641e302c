import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../../../test/support/collector-on.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DuplicateIdentifiers } from '@devtrust/collector/services/csv-upload-duplicates';

/**
 * A newcomer's dup.csv listed serial C02XG2JHJG5H twice and a `To Be Filled By O.E.M.` serial:
 * the upload answered `succeeded` with no warning, and only the findings said that neither row
 * with the serial is trusted on it. The answer now warns about both, counted as rows stream past.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`CSV upload: rows that will not be trusted (${db.name})`, () => {
    let c: CollectorOnDatabase;
    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
    });
    afterAll(() => c?.close());

    const create = async (name: string) => {
      const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name, platforms: ['macos'], config: {} });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const upload = (id: string, csv: string) => c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, csv, { contentType: 'text/csv' });

    it("the newcomer's dup.csv: a serial on two rows and a placeholder serial", async () => {
      const id = await create('dup.csv');
      const response = await upload(
        id,
        'serial_number,device_name,platform\nC02XG2JHJG5H,Mac A,macos\nC02XG2JHJG5H,Mac B,macos\nTo Be Filled By O.E.M.,White box,macos\n',
      );
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.devices, 3);
      assert.equal(response.body.status, 'succeeded');
      assert.deepEqual(response.body.warnings, [
        '1 row has only placeholder identifiers (serial number "To Be Filled By O.E.M."), which are dropped when stored: it never matches; give it the device\'s real serial number or hardware UUID (see docs/matching.md)',
        '1 identifier is held by more than one row: serial number "C02XG2JHJG5H"; no row is trusted on an identifier another row holds too: keep one row per device (see docs/matching.md#duplicates)',
      ]);
    });

    it('identifiers are compared as stored (case, braces, dashes), counted, and the first few named', async () => {
      const id = await create('many duplicates');
      const rows = [
        'serial_number,hardware_uuid,device_name',
        'SER-A,{0f0e0d0c-0b0a-0908-0706-050403020100},a',
        'ser-a,,a again',
        'SER-B,0F0E0D0C0B0A09080706050403020100,b',
        'SER-B,,b again',
        'SER-C,,c',
        'SER-C,,c again',
        'SER-C,,c thrice',
        'SER-D,,d',
        'SER-D,,d again',
        'SER-E,,e',
        '0,,placeholder',
        '0,,placeholder again',
      ];
      const response = await upload(id, `${rows.join('\n')}\n`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.warnings, [
        '2 rows have only placeholder identifiers (e.g. serial number "0"), which are dropped when stored: they never match; give them the device\'s real serial number or hardware UUID (see docs/matching.md)',
        '5 identifiers are each held by more than one row: serial number "SERA", hardware UUID "0F0E0D0C0B0A09080706050403020100", serial number "SERB" and 2 more; no row is trusted on an identifier another row holds too: keep one row per device (see docs/matching.md#duplicates)',
      ]);
      // The findings agree: the serial is held by two records, and none is trusted on it.
      const findings = await c.admin('GET', '/admin/v1/findings');
      assert.match(JSON.stringify(findings.body), /2 records of \\"many duplicates\\" hold serial number SERA/);
    });

    it('a row whose identifier normalises to nothing ("-") is not stored, and the answer says so (the count was short without a word)', async () => {
      const id = await create('dash.csv');
      const response = await upload(id, 'serial_number,device_name,platform\nA1,a,macos\n-,b,macos\nB2,c,macos\n');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.devices, 2);
      assert.deepEqual(response.body.warnings, [
        '1 row has no identifier left once normalised ("-"), so it was not stored; give it the device\'s real serial number or hardware UUID (see docs/csv-format.md)',
      ]);
    });

    it('a file whose rows each hold their own identifiers has no such warning', async () => {
      const id = await create('clean');
      const response = await upload(id, 'serial_number,hardware_uuid\nSER-1,UUID-1\nSER-2,UUID-2\n');
      assert.deepEqual(response.body.warnings, []);
    });
  });
}

it('the fingerprint table stays exact as it grows (200,000 identifiers, every tenth seen twice)', () => {
  const seen = new DuplicateIdentifiers();
  for (let i = 0; i < 200_000; i++) seen.add('serialNumber', `SER${i}`);
  for (let i = 0; i < 200_000; i += 10) seen.add('serialNumber', `SER${i}`);
  seen.add('hardwareUuid', 'SER0'); // another kind with the same text is another identifier
  assert.equal(seen.count, 20_000);
  assert.equal(seen.full, false);
  assert.deepEqual(seen.examples[0], ['serialNumber', 'SER0']);
});

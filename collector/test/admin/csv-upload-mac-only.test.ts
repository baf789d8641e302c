import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../../../test/support/collector-on.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';

/**
 * A row known only by its MAC address, uploaded to an integration that does not match MACs, is
 * stored but can never match: the upload said `succeeded` with no warning (a newcomer's README
 * row `,,02:fc:00:00:00:01,vm,linux`). The answer now names the setting that turns MACs on.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`CSV upload: rows known only by MAC address (${db.name})`, () => {
    let c: CollectorOnDatabase;
    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
    });
    afterAll(() => c?.close());

    const create = async (name: string, config: Record<string, unknown>) => {
      const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name, platforms: ['linux'], config });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const upload = (id: string, csv: string) => c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, csv, { contentType: 'text/csv' });
    const csv =
      'serial_number,hardware_uuid,mac_addresses,device_name,platform\n' +
      ',,02:fc:00:00:00:01,vm,linux\n' +
      ',,02:fc:00:00:00:02;02:fc:00:00:00:03,vm2,linux\n' +
      'SER-1,,02:fc:00:00:00:04,box,linux\n';

    it('without matchMacAddresses: stored, and the answer warns, naming the setting', async () => {
      const id = await create('Linux no MAC', {});
      const response = await upload(id, csv);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.devices, 3);
      assert.deepEqual(response.body.warnings, [
        `2 rows identify devices only by MAC address, and this integration does not match MAC addresses: they never match until matchMacAddresses is set (devtrustctl integration update ID --config '{"matchMacAddresses":true}', see docs/matching.md)`,
      ]);
      const one = await upload(id, 'mac_addresses\n02:fc:00:00:00:01\n');
      assert.match(one.body.warnings[0], /^1 row identifies its device only by MAC address, .*: it never matches until/);
    });

    it('counts rows as they are stored: a placeholder serial is none, a placeholder MAC no MAC', async () => {
      const id = await create('Linux placeholders', {});
      const response = await upload(
        id,
        'serial_number,mac_addresses,device_name\n' +
          'To be filled by O.E.M.,02:fc:00:00:01:01,white box\n' +
          '0,02:fc:00:00:01:02,white box 2\n' +
          'SER-2,ff:ff:ff:ff:ff:ff,real serial\n' +
          ',00:00:00:00:00:00;ff:ff:ff:ff:ff:ff,nothing usable\n',
      );
      assert.equal(response.status, 200, JSON.stringify(response.body));
      // The two white boxes: their serials are placeholders, dropped when stored.
      assert.equal(
        response.body.warnings.filter((w: string) => w.includes('only by MAC address')).length,
        1,
        JSON.stringify(response.body),
      );
      assert.match(
        response.body.warnings.find((w: string) => w.includes('only by MAC address')),
        /^2 rows identify devices only by MAC address/,
      );
    });

    it('with matchMacAddresses: true, no warning', async () => {
      const id = await create('Linux with MAC', { matchMacAddresses: true });
      const response = await upload(id, csv);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.warnings, []);
    });
  });
}

import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../../../test/support/collector-on.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';

/**
 * Excel saves "CSV" with semicolons where the decimal mark is a comma, and its header then reads
 * as one cell: the upload answered "name at least one of serial_number, hardware_uuid…" for a
 * header that names both. It now says what the file is and how to save it.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`CSV upload: a file separated by semicolons or tabs (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let id: string;
    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Excel export',
        platforms: ['macos'],
        config: {},
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      id = created.body.id as string;
    });
    afterAll(() => c?.close());

    const upload = (csv: string) => c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, csv, { contentType: 'text/csv' });
    const SAVE_AS = 'DevTrust reads comma-separated files: save it as "CSV UTF-8 (comma delimited)"';

    it('semicolons: the answer names the separator and how to save the file', async () => {
      const response = await upload('serial_number;hardware_uuid;device_name;platform\nC02XG2JHJG5H;;Mac 1;macos\n');
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'INVALID_CSV');
      assert.equal(response.body.error.message, `CSV header: this file is separated by semicolons; ${SAVE_AS}`);
    });

    it("an export's names and a decimal comma in a row are recognised too", async () => {
      const response = await upload('Computer Name;Serial Number;Battery\nMac 1;C02XG2JHJG5H;0,5\n');
      assert.equal(response.body.error.message, `CSV header: this file is separated by semicolons; ${SAVE_AS}`);
    });

    it('tabs', async () => {
      const response = await upload('serial_number\tplatform\nC02XG2JHJG5H\tmacos\n');
      assert.equal(response.status, 400);
      assert.equal(response.body.error.message, `CSV header: this file is separated by tabs; ${SAVE_AS}`);
    });

    it('a header with semicolons and no identifier among its pieces keeps the old answer; nothing was stored', async () => {
      const response = await upload('model;color\nMacBook;grey\n');
      assert.match(response.body.error.message, /^CSV header: name at least one of serial_number/);
      const integration = await c.admin('GET', `/admin/v1/integrations/${id}`);
      assert.equal(integration.body.devices, 0);
    });
  });
}

import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { releaseRecord, forgetRecord } from '@devtrust/collector/services/admin-log-releases';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, testStores } from '../support/test-store.js';
import { enrollReporting } from '../support/claims-fleet.js';

/**
 * A MAC-only endpoint (an inventory matching MACs knows it by its MAC alone) holds its MAC as
 * a claim: a copy reporting it waits for approval. Releasing it gave that claim up and freed
 * the copy, yet answered (and logged, and devtrustctl printed) no identifiers released:
 * "released: 0 identifiers, 1 freed". The MACs it held are listed with its bindings, on release and on forget.
 */

const mac = (n: number): string => `02FC00${String(n).padStart(6, '0')}`;

for (const db of DATABASES) {
  describeUnless(db.skip)(`what releasing or forgetting a MAC-only endpoint gives up, on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);
    const stores = testStores(db.name, 'release-macs');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
      const knex = store.knex;
      // The inventory knows MACs 1 and 2 (and no serial); MAC 3 (a dock, say) it does not know.
      const integration = await createCsvIntegration(store, 'macs', ['windows']);
      await knex('integrations')
        .where({ id: integration })
        .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
      for (const n of [1, 2]) {
        await knex('inventory_records').insert({ id: `rec${n}`, integration_id: integration, generation: 'g1', device_name: `box${n}` });
        await knex('inventory_macs').insert({ record_id: `rec${n}`, integration_id: integration, generation: 'g1', mac: mac(n) });
      }
    });
    afterEach(async () => {
      await close();
    });

    it('a release answers and logs the MAC addresses it released, beside the endpoints it freed', async () => {
      const holder = await enroll({ macAddresses: [mac(1), mac(3)] });
      const copy = await enroll({ serialNumber: 'COPY', macAddresses: [mac(1)] });
      assert.equal((await store.endpoints.get(copy))?.approval, 'pending');
      const done = await store.endpoints.release(holder, Date.now());
      assert.ok(done && done.released, JSON.stringify(done));
      assert.deepEqual(done.identifiers, [{ kind: 'macAddress', value: mac(1) }]);
      assert.deepEqual(done.freed, [copy]);
      const logged = releaseRecord(done, false).release;
      assert.deepEqual([logged.identifierCount, logged.freedCount], [1, 1]);
    });

    it('a forget lists the MAC addresses it held; a pending endpoint held none', async () => {
      const holder = await enroll({ serialNumber: 'OWN', macAddresses: [mac(2), mac(1)] });
      const copy = await enroll({ serialNumber: 'COPY', macAddresses: [mac(1)] });
      const pendingForget = await store.endpoints.forgetAndTell(copy);
      assert.deepEqual(pendingForget?.identifiers, []);
      const done = await store.endpoints.forgetAndTell(holder);
      assert.deepEqual(done?.identifiers, [
        { kind: 'macAddress', value: mac(1) },
        { kind: 'macAddress', value: mac(2) },
        { kind: 'serialNumber', value: 'OWN' },
      ]);
      assert.equal(forgetRecord(done as NonNullable<typeof done>).forget.identifierCount, 3);
    });
  });
}

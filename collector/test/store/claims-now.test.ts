import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, testStores } from '../support/test-store.js';
import { enrollReporting, reportOfIdentity } from '../support/claims-fleet.js';

/**
 * What a pending endpoint claims against today (EndpointsRepo.claimsNow), beside what it claimed
 * when it enrolled, and who waits on a holder (EndpointsRepo.waitingOn): what the admin API's
 * endpoint page answers, and devtrustctl's approve warning and release guard read.
 */
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

for (const db of DATABASES) {
  describeUnless(db.skip)(`claims now and endpoints waiting on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);
    const stores = testStores(db.name, 'claims-now');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('names the holder of today, not the forgotten one; and nothing once the copy reports values of its own', async () => {
      const real = await enroll({ machineGuid: GUID, serialNumber: 'NOW-1' });
      const copy = await enroll({ machineGuid: GUID, serialNumber: 'NOW-1' });
      const other = await enroll({ machineGuid: GUID, serialNumber: 'NOW-1' });
      assert.deepEqual(await store.endpoints.waitingOn(real), {
        count: 2,
        first: [
          { id: copy, hostname: 'pc', enrolledAt: (await store.endpoints.get(copy))?.enrolledAt },
          { id: other, hostname: 'pc', enrolledAt: (await store.endpoints.get(other))?.enrolledAt },
        ],
      });
      assert.deepEqual(await store.endpoints.waitingOn(copy), { count: 0, first: [] });

      assert.equal(await store.endpoints.forget(real), true);
      const again = await enroll({ machineGuid: GUID, serialNumber: 'NOW-1' });
      assert.deepEqual(
        (await store.endpoints.get(copy))?.approvalClaims.map((c) => c.heldBy),
        [[real], [real]],
      );
      assert.deepEqual(
        (await store.endpoints.claimsNow(copy)).map((c) => [c.kind, c.value, c.heldBy]),
        [
          ['serialNumber', 'NOW1', [again]],
          ['machineGuid', GUID.replaceAll('-', ''), [again]],
        ],
      );
      // They wait on the new key now (they report what it holds), though the claims they enrolled
      // with name the forgotten one, which the claims' index still counts them on.
      assert.deepEqual(
        (await store.endpoints.waitingOn(again)).first.map((w) => w.id),
        [copy, other],
      );
      assert.equal((await store.endpoints.waitingOn(real)).count, 2);

      // The copy's own identifiers (a new MachineGuid, its own serial): it stays pending, and claims nothing now.
      await store.recordReports([
        {
          endpointId: copy,
          seq: 1_000,
          report: reportOfIdentity({ machineGuid: '0D3A5C7E-1111-4222-8333-944455556666', serialNumber: 'NOW-2' }),
          at: Date.now(),
        },
      ]);
      assert.equal((await store.endpoints.get(copy))?.approval, 'pending');
      assert.deepEqual(await store.endpoints.claimsNow(copy), []);
      assert.deepEqual(await store.endpoints.claimsNow('ep_none'), []);
      // Nor does it wait on the key holding what it reported before.
      assert.deepEqual(
        (await store.endpoints.waitingOn(again)).first.map((w) => w.id),
        [other],
      );
    });

    it('counts every endpoint waiting and lists the first 20, oldest enrollment first', async () => {
      const holder = await enroll({ serialNumber: 'MANY-1' });
      const waiters: string[] = [];
      for (let i = 0; i < 23; i += 1) waiters.push(await enroll({ serialNumber: 'MANY-1' }));
      // A denied one no longer waits.
      assert.equal(await store.endpoints.deny(waiters[22] as string), true);
      const waiting = await store.endpoints.waitingOn(holder);
      assert.equal(waiting.count, 22);
      assert.deepEqual(
        waiting.first.map((w) => w.id),
        waiters.slice(0, 20),
      );
    });

    it('a MAC claim waits on its holder too (MACs are not bound), and stops once the waiter reports another MAC', async () => {
      const integration = await createCsvIntegration(store, 'macs', ['windows']);
      await store
        .knex('integrations')
        .where({ id: integration })
        .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
      await store
        .knex('inventory_records')
        .insert({ id: 'rec-mac', integration_id: integration, generation: 'g1', serial_number: 'INVMAC' });
      await store
        .knex('inventory_macs')
        .insert({ record_id: 'rec-mac', integration_id: integration, generation: 'g1', mac: 'AABBCC000001' });
      const holder = await enroll({ serialNumber: 'MAC-HOLDER', macAddresses: ['AABBCC000001'] });
      const waiter = await enroll({ serialNumber: 'MAC-COPY', macAddresses: ['AABBCC000001'] });
      assert.deepEqual(
        (await store.endpoints.get(waiter))?.approvalClaims.map((c) => [c.kind, c.heldBy]),
        [['macAddress', [holder]]],
      );
      assert.deepEqual(
        (await store.endpoints.waitingOn(holder)).first.map((w) => w.id),
        [waiter],
      );
      await store.recordReports([
        {
          endpointId: waiter,
          seq: 2_000,
          report: reportOfIdentity({ serialNumber: 'MAC-COPY', macAddresses: ['AABBCC000009'] }),
          at: Date.now(),
        },
      ]);
      assert.deepEqual(await store.endpoints.claimsNow(waiter), []);
    });
  });
}

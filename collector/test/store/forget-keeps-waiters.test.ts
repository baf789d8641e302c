import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { testStores } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { enrollReporting } from '../support/claims-fleet.js';

/**
 * Forgetting a holder leaves the endpoints waiting on it pending. An admin forgets a device so
 * that it enrolls again; the endpoints waiting on its identifiers are ones nobody vouched for (a
 * clone, a stolen device's re-image). A reviewer found that judging them again on a forget
 * approved the clone, and the genuine device's new key then waited behind it; and that
 * forgetting a stolen (blocked) device approved the thief's re-image.
 */
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

for (const db of DATABASES) {
  describeUnless(db.skip)(`forgetting a holder on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);
    const stores = testStores(db.name, 'forget-keeps-waiters');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('leaves its clone pending, and the device enrolling again binds its identifiers, not the clone', async () => {
      const genuine = await enroll({ machineGuid: GUID, serialNumber: 'GENUINE1' });
      const clone = await enroll({ machineGuid: GUID, serialNumber: 'GENUINE1' });
      assert.equal((await store.endpoints.get(clone))?.approval, 'pending');

      assert.equal(await store.endpoints.forget(genuine), true);
      const cloneNow = await store.endpoints.get(clone);
      assert.equal(cloneNow?.approval, 'pending');
      assert.equal(cloneNow?.blocked, false);
      assert.deepEqual(await store.knex('identifier_bindings').where({ endpoint_id: clone }).pluck('kind'), []);

      // The genuine device's agent enrolls again with a new key: nothing holds its identifiers.
      const again = await enroll({ machineGuid: GUID, serialNumber: 'GENUINE1' });
      const againNow = await store.endpoints.get(again);
      assert.notEqual(againNow?.approval, 'pending');
      assert.deepEqual((await store.knex('identifier_bindings').where({ endpoint_id: again }).pluck('kind')).sort(), [
        'machineGuid',
        'serialNumber',
      ]);
      assert.equal((await store.endpoints.get(clone))?.approval, 'pending');
      await assertClaimsIndexed(store.knex, 'the forget and the new enrollment');
    });

    it('a later release of another holder leaves pending an endpoint that also waited on the forgotten one', async () => {
      const h1 = await enroll({ serialNumber: 'MIX-1' });
      const h2 = await enroll({ machineGuid: GUID });
      const waiter = await enroll({ serialNumber: 'MIX-1', machineGuid: GUID });
      assert.equal((await store.endpoints.get(waiter))?.approval, 'pending');
      assert.equal(await store.endpoints.forget(h2), true);
      const released = await store.endpoints.release(h1, Date.now());
      assert.ok(released?.released);
      assert.deepEqual([released.freed, released.stillPending], [[], [waiter]]);
      assert.equal((await store.endpoints.get(waiter))?.approval, 'pending');
      assert.deepEqual(await store.knex('identifier_bindings').where({ endpoint_id: waiter }).pluck('kind'), []);
      await assertClaimsIndexed(store.knex, 'the release beside a forgotten holder');
    });

    it('leaves a stolen device’s re-image pending when the blocked device is forgotten', async () => {
      const stolen = await enroll({ machineGuid: GUID, serialNumber: 'STOLEN1' });
      assert.equal(await store.endpoints.setBlocked(stolen, true), true);
      const thief = await enroll({ machineGuid: GUID, serialNumber: 'STOLEN1' });
      assert.equal((await store.endpoints.get(thief))?.approval, 'pending');

      assert.equal(await store.endpoints.forget(stolen), true);
      const thiefNow = await store.endpoints.get(thief);
      assert.equal(thiefNow?.approval, 'pending');
      assert.deepEqual(await store.knex('identifier_bindings').where({ endpoint_id: thief }).pluck('kind'), []);
      assert.equal(await store.endpoints.forget(stolen), false);
    });
  });
}

import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, openTestStore } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { enrollReporting } from '../support/claims-fleet.js';

/**
 * Forgetting a holder judges again the endpoints that waited on it, as releasing it would: they
 * no longer stay pending for good on an endpoint nobody can release any more.
 */
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
const MAC = 'AABBCC000001';

for (const db of DATABASES) {
  describeUnless(db.skip)(`forgetting a holder on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);
    beforeEach(async () => {
      ({ store, close } = await openTestStore(db.name, 'forget-rejudges'));
    });
    afterEach(async () => {
      await close();
    });

    it('frees the first endpoint waiting on it; the later ones wait on that one', async () => {
      // A MAC-matching inventory holds the holder's MAC: the forgotten holder's MAC counts for nobody.
      const integration = await createCsvIntegration(store, 'macs', ['windows']);
      await store
        .knex('integrations')
        .where({ id: integration })
        .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
      await store.knex('inventory_records').insert({ id: 'rec1', integration_id: integration, generation: 'g1', serial_number: 'INV' });
      await store.knex('inventory_macs').insert({ record_id: 'rec1', integration_id: integration, generation: 'g1', mac: MAC });
      const holder = await enroll({ machineGuid: GUID, serialNumber: 'HOLDER', macAddresses: [MAC] });
      const first = await enroll({ machineGuid: GUID, serialNumber: 'FIRST', macAddresses: [MAC] });
      const second = await enroll({ machineGuid: GUID, serialNumber: 'SECOND' });
      for (const id of [first, second]) assert.equal((await store.endpoints.get(id))?.approval, 'pending');
      assert.equal(
        (await store.endpoints.get(first))?.approvalClaims.some((c) => c.kind === 'macAddress'),
        true,
      );

      assert.equal(await store.endpoints.forget(holder), true);
      assert.equal(await store.endpoints.get(holder), null);
      const firstNow = await store.endpoints.get(first);
      assert.equal(firstNow?.approval, 'approved');
      assert.deepEqual(firstNow?.approvalClaims, []);
      const secondNow = await store.endpoints.get(second);
      assert.equal(secondNow?.approval, 'pending');
      assert.deepEqual(secondNow?.approvalClaims, [{ kind: 'machineGuid', value: firstNow?.identifiers.machineGuid, heldBy: [first] }]);
      assert.deepEqual(await store.knex('identifier_bindings').where({ kind: 'machineGuid' }).pluck('endpoint_id'), [first]);
      // Nobody waits on the forgotten endpoint any more: no bulk release skips them as its predecessor gone.
      assert.deepEqual(await store.knex('approval_claim_holders').where({ holder_id: holder }).pluck('endpoint_id'), []);
      await assertClaimsIndexed(store.knex, 'the forget');
      assert.equal(await store.endpoints.forget(holder), false);
    });
  });
}

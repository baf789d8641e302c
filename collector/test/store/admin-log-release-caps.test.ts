import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { MAX_LOGGED_IDS } from '@devtrust/collector/services/admin-log-releases';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { enrollReporting } from '../support/claims-fleet.js';
import { actorNamed } from '../support/reenrollment-fixtures.js';

const ACTOR = actorNamed('caps');
/** More endpoints wait on one holder than an admin-log entry lists. */
const WAITERS = MAX_LOGGED_IDS + 2;

/**
 * A release or forget behind many clones keeps a bounded admin-log entry: the first
 * MAX_LOGGED_IDS ids of each list, in the order judged, and how many there were.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`admin-log entries of a release and a forget behind ${WAITERS} waiters on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);

    /** A holder of `guid` and WAITERS endpoints waiting on it, in enrollment order. */
    const holderAndWaiters = async (guid: string): Promise<{ holder: string; waiters: string[] }> => {
      const holder = await enroll({ machineGuid: guid, serialNumber: `${guid}-0` });
      const waiters: string[] = [];
      for (let i = 1; i <= WAITERS; i++) waiters.push(await enroll({ machineGuid: guid, serialNumber: `${guid}-${i}` }));
      return { holder, waiters };
    };
    const logged = async (id: string, action: string): Promise<Record<string, any>> => {
      const page = await store.adminLog.query({ resourceType: 'endpoint', resourceId: id, action, limit: 10 });
      assert.equal(page.entries.length, 1);
      return page.entries[0]?.after as Record<string, any>;
    };

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'admin-log-release-caps'));
    });
    afterAll(async () => {
      await close();
    });

    it('a release lists the first still-pending ids and counts them all', async () => {
      const { holder, waiters } = await holderAndWaiters('6F9619FF-8B86-D011-B42D-00C04FC90001');
      const done = await new EndpointService(store).release(holder, ACTOR);
      assert.equal(done.stillPending.length, WAITERS - 1);
      const { release } = await logged(holder, 'release');
      assert.deepEqual(release.freed, [waiters[0]]);
      assert.equal(release.freedCount, 1);
      assert.deepEqual(release.stillPending, waiters.slice(1, MAX_LOGGED_IDS + 1));
      assert.equal(release.stillPendingCount, WAITERS - 1);
      assert.equal(release.identifierCount, 2);
    });

    it('a forget likewise: every waiter stays pending', async () => {
      const { holder, waiters } = await holderAndWaiters('6F9619FF-8B86-D011-B42D-00C04FC90002');
      const done = await new EndpointService(store).forgetAndTell(holder, ACTOR);
      assert.equal(done?.stillPending.length, WAITERS);
      const { forget } = await logged(holder, 'forget');
      assert.deepEqual(forget.stillPending, waiters.slice(0, MAX_LOGGED_IDS));
      assert.equal(forget.stillPendingCount, WAITERS);
      assert.equal(forget.identifierCount, 2);
    });
  });
}

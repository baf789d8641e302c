import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Report } from '@devtrust/shared/protocol';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { testStores } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { tick } from '../support/reenrollment-fixtures.js';

/**
 * Writes of one endpoint's claims racing each other, on a real SQLite file and a real
 * PostgreSQL (where they do run at once): after each round the claims' index
 * (approval_claim_holders) equals what the stored claims name, and the approval is right.
 */
const ROUNDS = 20;
const uuid = (n: number): string => `4C4C4544-0042-3510-8052-${String(n).padStart(12, '0')}`;
const report = (identity: { serialNumber?: string; hardwareUuid?: string }): Report =>
  ({ identity: { platform: 'macos', hostname: 'mac', ...identity }, posture: {}, agentVersion: 'test' }) as unknown as Report;

for (const db of DATABASES) {
  describeUnless(db.skip)(`the approval claims' index under concurrent writes on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;
    const enroll = async (identity: { serialNumber?: string; hardwareUuid?: string }): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      await store.recordReports([{ endpointId: id, seq: seq++, report: report(identity), at: Date.now() }]);
      return id;
    };
    const stores = testStores(db.name, 'claims-race');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('an endpoint waiting on two holders released at once is approved, its rows gone', async () => {
      const outcomes: string[] = [];
      for (let n = 0; n < ROUNDS; n++) {
        const serialHolder = await enroll({ serialNumber: `TWOA${n}` });
        const uuidHolder = await enroll({ serialNumber: `TWOB${n}`, hardwareUuid: uuid(n) });
        await tick();
        const clone = await enroll({ serialNumber: `TWOA${n}`, hardwareUuid: uuid(n) });
        await Promise.all([store.endpoints.release(serialHolder, Date.now()), store.endpoints.release(uuidHolder, Date.now())]);
        await assertClaimsIndexed(store.knex, `round ${n}`);
        const after = await store.endpoints.get(clone);
        outcomes.push(`${after?.approval} ${JSON.stringify(after?.approvalClaims)}`);
      }
      assert.deepEqual(
        outcomes,
        outcomes.map(() => 'approved []'),
      );
    });

    it('a clone an admin denies while its holder is released stays denied, or is approved and the denial refused', async () => {
      for (let n = 0; n < ROUNDS; n++) {
        const holder = await enroll({ serialNumber: `DENY${n}` });
        await tick();
        const clone = await enroll({ serialNumber: `DENY${n}` });
        const [, denied] = await Promise.all([store.endpoints.release(holder, Date.now()), store.endpoints.deny(clone)]);
        await assertClaimsIndexed(store.knex, `round ${n}`);
        const after = await store.endpoints.get(clone);
        assert.deepEqual([after?.approval, after?.blocked], denied ? ['denied', true] : ['approved', false], `round ${n}`);
      }
    });

    it('clones enrolling while their holder is released: the index follows whichever commits first', async () => {
      for (let n = 0; n < ROUNDS; n++) {
        const holder = await enroll({ serialNumber: `RACE${n}` });
        await tick();
        const first = await enroll({ serialNumber: `RACE${n}` });
        // On PostgreSQL a clone whose report commits after the release read who waits stays
        // pending on the released holder, for an admin (it was judged before the release ended).
        const [released] = await Promise.all([
          store.endpoints.release(holder, Date.now()),
          enroll({ serialNumber: `RACE${n}` }),
          enroll({ serialNumber: `RACE${n}` }),
        ]);
        await assertClaimsIndexed(store.knex, `round ${n}`);
        // The clone that waited before the release is judged by it first (oldest enrollment): freed.
        assert.deepEqual(released && released.released ? released.freed : released, [first], `round ${n}`);
        assert.equal((await store.endpoints.get(first))?.approval, 'approved');
      }
    });
  });
}

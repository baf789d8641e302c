import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import type { IdentifierClaim } from '@devtrust/collector/domain/endpoint';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, testStores } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { enrollMany, tick } from '../support/reenrollment-fixtures.js';
import { enrollReporting, reportOfIdentity, type FleetIdentity } from '../support/claims-fleet.js';
import { releaseAsReference } from '../support/reference-release.js';

/**
 * The set-based release (store/repos/release-waiters.ts) against the per-waiter loop it
 * replaced (test/support/reference-release.ts, its MAC claims found by the LIKE that
 * endpoint_macs replaced): on one fleet, the reference runs in a transaction that is rolled
 * back, then the real release runs; freed, still pending, every endpoint's approval
 * and claims, the claims' index and the bindings must be the same. Then the statements a
 * release issues, counted: they grow with the waiters per chunk, not per waiter.
 */

type Identity = FleetIdentity;
const report = reportOfIdentity;
const guid = (n: number): string => `6F9619FF-8B86-D011-B42D-${String(n).padStart(12, '0')}`;
const uuid = (n: number): string => `4C4C4544-0042-3510-8052-${String(n).padStart(12, '0')}`;
const mac = (n: number): string => `AABBCC${String(n).padStart(6, '0')}`;

for (const db of DATABASES) {
  describeUnless(db.skip)(`a release's waiters judged together on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;
    const enroll = enrollReporting(() => store);
    const approval = async (id: string): Promise<string | null> => (await store.endpoints.get(id))?.approval ?? null;
    const stores = testStores(db.name, 'release-rejudge');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('frees, keeps pending, writes claims, index and bindings exactly as the per-waiter loop did', async () => {
      const knex = store.knex;
      // A MAC-matching inventory holding MACs 1-3 (by MAC alone: it knows none of the endpoints' own identifiers).
      const integration = await createCsvIntegration(store, 'macs', ['windows']);
      await knex('integrations')
        .where({ id: integration })
        .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
      for (const n of [1, 2, 3]) {
        await knex('inventory_records').insert({ id: `rec${n}`, integration_id: integration, generation: 'g1', serial_number: `INV${n}` });
        await knex('inventory_macs').insert({ record_id: `rec${n}`, integration_id: integration, generation: 'g1', mac: mac(n) });
      }
      // The holder to release: MachineGuid 1, serial H, UUID 1. Others hold what some waiters also claim.
      const holder = await enroll({ machineGuid: guid(1), serialNumber: 'HOLD', hardwareUuid: uuid(1) });
      const other = await enroll({ serialNumber: 'OTHER' });
      const blocked = await enroll({ serialNumber: 'BLOCKED' });
      await store.endpoints.setBlocked(blocked, true);
      const macHolder = await enroll({ serialNumber: 'MACHOLD', macAddresses: [mac(1)] });
      // An approved clone: it holds MachineGuid 1 beside the holder (a clone of a clone follows).
      const approvedClone = await enroll({ machineGuid: guid(1), serialNumber: 'APPROVED' });
      assert.equal(await approval(approvedClone), 'pending');
      await store.endpoints.approve(approvedClone);
      const waiters = [
        await enroll({ machineGuid: guid(1), serialNumber: 'CLONE-OF-CLONE' }), // the holder and the approved clone
        await enroll({ serialNumber: 'HOLD', hardwareUuid: uuid(50) }), // freed first on the serial
        await enroll({ serialNumber: 'HOLD', hardwareUuid: uuid(51) }), // then pending on the first
        await enroll({ hardwareUuid: uuid(1), serialNumber: 'OTHER' }), // two holders: pending on the other
        await enroll({ hardwareUuid: uuid(1), serialNumber: 'BLOCKED' }), // a blocked holder still holds
        await enroll({ hardwareUuid: uuid(1), serialNumber: 'SHARED-A', macAddresses: [mac(2)] }), // freed on the UUID
        await enroll({ hardwareUuid: uuid(1), serialNumber: 'SHARED-A' }), // pending on the one freed before
        await enroll({ serialNumber: 'HOLD', hardwareUuid: uuid(60), macAddresses: [mac(1)] }), // the MAC holder
        await enroll({ machineGuid: guid(1), macAddresses: [mac(2)], serialNumber: 'MACLATE' }), // MAC of a waiter freed before
        await enroll({ machineGuid: guid(1), macAddresses: [mac(3)], serialNumber: 'INV3' }), // known by its serial: no MAC claim
      ];
      for (const w of waiters) assert.equal(await approval(w), 'pending', w);
      // A waiter denied before the release, and one forgotten: neither is judged.
      await store.endpoints.deny(waiters[4] as string);
      const forgotten = await enroll({ serialNumber: 'HOLD', hardwareUuid: uuid(70) });
      await knex('endpoints').where({ id: forgotten }).delete();
      void other;
      void macHolder;

      const released = await releaseAsReference(store, holder, 'the fleet');
      await assertClaimsIndexed(knex, 'the release');
      // The fleet did exercise what it was built for.
      assert.equal(released.freed.length, 2, JSON.stringify(released));
      assert.equal(released.stillPending.length, 7, JSON.stringify(released));
      const claimsOf = async (id: string): Promise<IdentifierClaim[]> => (await store.endpoints.get(id))?.approvalClaims ?? [];
      assert.ok((await claimsOf(waiters[7] as string)).some((c) => c.kind === 'macAddress' && c.heldBy.includes(macHolder)));
      assert.ok((await claimsOf(waiters[8] as string)).some((c) => c.kind === 'macAddress' && c.heldBy.includes(waiters[5] as string)));
      assert.ok(!(await claimsOf(waiters[9] as string)).some((c) => c.kind === 'macAddress'));
    });

    it('judges random fleets of clones as the per-waiter loop did', async () => {
      const knex = store.knex;
      const integration = await createCsvIntegration(store, 'macs', ['windows']);
      await knex('integrations')
        .where({ id: integration })
        .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
      for (const n of [1, 2, 3, 4]) {
        await knex('inventory_records').insert({
          id: `rec${n}`,
          integration_id: integration,
          generation: 'g1',
          serial_number: `S${n * 2}`,
        });
        await knex('inventory_macs').insert({ record_id: `rec${n}`, integration_id: integration, generation: 'g1', mac: mac(n) });
      }
      let state = 7;
      // A small deterministic generator: the same fleets on every run and both databases.
      const random = (below: number): number => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return Math.floor((state / 2147483648) * below);
      };
      const seen = { freed: 0, macClaims: 0, twoHolders: 0 };
      for (let round = 0; round < 3; round++) {
        const pick = <T>(values: T[]): T | undefined => (random(3) === 0 ? undefined : values[random(values.length)]);
        const fleet: string[] = [];
        for (let n = 0; n < 40; n++) {
          const identity: Identity = {};
          const g = pick([1, 2, 3].map((k) => guid(round * 10 + k)));
          const s = pick([1, 2, 3, 4, 5, 6, 7, 8].map((k) => `R${round}S${k}`));
          const u = pick([1, 2, 3, 4, 5].map((k) => uuid(round * 10 + k)));
          if (g) identity.machineGuid = g;
          if (s) identity.serialNumber = random(4) === 0 ? `S${random(8)}` : s;
          if (u) identity.hardwareUuid = u;
          if (random(2) === 0) identity.macAddresses = [mac(1 + random(5))];
          const id = (await store.endpoints.enroll(randomBytes(32).toString('base64'))).id;
          await store.recordReports([{ endpointId: id, seq: seq++, report: report(identity), at: Date.now() }]);
          fleet.push(id);
          // Some pending ones approved, denied, blocked; a few endpoints blocked.
          const roll = random(10);
          if ((await approval(id)) === 'pending') {
            if (roll === 0) await store.endpoints.approve(id);
            else if (roll === 1) await store.endpoints.deny(id);
          } else if (roll === 2) await store.endpoints.setBlocked(id, true);
          if (random(3) === 0) await tick();
        }
        // The holder most endpoints wait on.
        const counts = new Map<string, number>();
        for (const row of (await knex('approval_claim_holders')
          .join('endpoints', 'endpoints.id', 'approval_claim_holders.endpoint_id')
          .where('endpoints.approval', 'pending')
          .select('holder_id')) as { holder_id: string }[])
          counts.set(row.holder_id, (counts.get(row.holder_id) ?? 0) + 1);
        const [holder] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
        assert.ok(holder, 'somebody waits');
        const released = await releaseAsReference(store, holder, `round ${round}`);
        seen.freed += released.freed.length;
        for (const id of released.stillPending) {
          const claims = (await store.endpoints.get(id))?.approvalClaims ?? [];
          if (claims.some((c) => c.kind === 'macAddress')) seen.macClaims++;
          if (new Set(claims.flatMap((c) => c.heldBy)).size > 1) seen.twoHolders++;
        }
      }
      // The fleets did exercise what they were built for.
      assert.ok(seen.freed > 0 && seen.macClaims > 0 && seen.twoHolders > 0, JSON.stringify(seen));
    });

    it('the statements of a release grow with its waiters per chunk, not per waiter', async () => {
      const statementsFor = async (waiters: number, n: number): Promise<number> => {
        const [holder] = await enrollMany(store, 1, () => ({ platform: 'windows', hostname: 'h', machineGuid: guid(1000 + n) }));
        await tick();
        const ids = await enrollMany(store, waiters, (i) => ({
          platform: 'windows',
          hostname: 'w',
          machineGuid: guid(1000 + n),
          serialNumber: `COUNT${n}-${i}`,
        }));
        assert.equal(await approval(ids[0] as string), 'pending');
        let count = 0;
        const listener = (): void => {
          count++;
        };
        store.knex.on('query', listener);
        const released = await store.endpoints.release(holder as string, Date.now());
        store.knex.removeListener('query', listener);
        assert.ok(released?.released);
        assert.equal(released.freed.length + released.stillPending.length, waiters);
        return count;
      };
      const few = await statementsFor(20, 1);
      const many = await statementsFor(600, 2);
      // Per waiter the old loop issued at least three statements: 580 more waiters, 1,700 more.
      assert.ok(many - few <= 12, `${few} statements for 20 waiters, ${many} for 600`);
    });
  });
}

import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { Store } from '@devtrust/collector/store/store';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';

/**
 * Upgrading a collector that already has endpoints: every endpoint that holds an identifier
 * today (not pending, not denied) is bound to it, so the upgrade frees nothing for a clone.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`identifier bindings after an upgrade (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'migrate'));
    });
    afterAll(async () => {
      await close();
    });

    it('binds what enrolled and approved endpoints report, not what pending or denied ones do', async () => {
      const knex = store.knex;
      // Back to the schema before this migration (by name: later migrations may follow it).
      await knex.migrate.down({ migrationSource, name: '20261201500000_identity_assurance' });
      const row = (id: string, approval: string | null, serial: string, uuid: string | null, enrolledAt: number) => ({
        id,
        public_key: `pk-${id}`,
        enrolled_at: enrolledAt,
        last_seen_at: enrolledAt,
        last_seq: 1,
        blocked: approval === 'denied',
        approval,
        serial_number: serial,
        hardware_uuid: uuid,
      });
      await knex('endpoints').insert([
        row('ep_real', null, 'SERIAL-A', 'UUID-A', 1000),
        row('ep_approved', 'approved', 'SERIAL-A', null, 2000),
        row('ep_pending', 'pending', 'SERIAL-A', 'UUID-P', 3000),
        row('ep_denied', 'denied', 'SERIAL-D', null, 4000),
      ]);
      await knex.migrate.latest({ migrationSource });
      const bindings = await knex('identifier_bindings')
        .orderBy(['endpoint_id', 'kind'])
        .select('kind', 'value', 'endpoint_id', 'bound_at');
      assert.deepEqual(
        bindings.map((b) => ({ ...b, bound_at: Number(b.bound_at) })),
        [
          { kind: 'serialNumber', value: 'SERIAL-A', endpoint_id: 'ep_approved', bound_at: 2000 },
          { kind: 'hardwareUuid', value: 'UUID-A', endpoint_id: 'ep_real', bound_at: 1000 },
          { kind: 'serialNumber', value: 'SERIAL-A', endpoint_id: 'ep_real', bound_at: 1000 },
        ],
      );
      const real = await store.endpoints.get('ep_real');
      assert.deepEqual([real?.keyKind, real?.releasedAt], ['software', null]);
      // A P-256 public key (87 characters) fits the column on both databases.
      const wide = await store.endpoints.enroll('B'.repeat(87), 'tpm');
      assert.equal((await store.endpoints.get(wide.id))?.keyKind, 'tpm');
    });
  });
}

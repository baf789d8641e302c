import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Knex } from 'knex';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { macClaims } from '@devtrust/collector/store/repos/mac-claims';
import { claimedColumns } from '@devtrust/collector/store/repos/identifier-bindings';
import type { EndpointRow } from '@devtrust/collector/store/rows';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { createCsvIntegration, openTestStore } from '../support/test-store.js';
import { assertMacsMirrored } from '../support/endpoint-macs.js';

/**
 * Upgrading a collector whose endpoints already report MACs (stored before endpoint_macs
 * existed): the migration fills the table from endpoints.mac_addresses, a batch at a time, so a
 * claim check after the upgrade finds every endpoint that reports a MAC.
 */
const MIGRATION = '20261207100000_endpoint_macs';
/** More than one batch of the migration's (1,000 endpoints). */
const ENDPOINTS = 1_205;

const mac = (n: number): string => `AABBCC${String(n).padStart(6, '0')}`;
const row = (id: string, enrolledAt: number, macs: string | null) => ({
  id,
  public_key: `pk-${id}`,
  enrolled_at: enrolledAt,
  last_seen_at: enrolledAt,
  last_seen_hour: 0,
  last_seq: 1,
  blocked: false,
  mac_addresses: macs,
});

class Rollback extends Error {}

for (const db of DATABASES) {
  describeUnless(db.skip)(`endpoint_macs after an upgrade (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'macs-migrate'));
    });
    afterAll(async () => {
      await close();
    });

    it('lists every MAC the stored lists name, across batches, and the claim check finds them', async () => {
      const knex = store.knex;
      await knex.migrate.down({ migrationSource, name: MIGRATION });
      // Zero to three MACs each, from a pool of 50; some endpoints with none at all.
      const endpoints = Array.from({ length: ENDPOINTS }, (_, i) =>
        row(
          `ep_${String(i).padStart(5, '0')}`,
          1_000 + (i % 7),
          i % 11 === 0 ? null : JSON.stringify(Array.from({ length: i % 4 }, (_, k) => mac((i * 7 + k * 13) % 50)).sort()),
        ),
      );
      for (let i = 0; i < endpoints.length; i += 200) await knex('endpoints').insert(endpoints.slice(i, i + 200));

      await knex.migrate.latest({ migrationSource });
      const rows = await assertMacsMirrored(knex, 'the upgrade');
      assert.ok(rows > 1_500, `${rows} rows`);
      // The last batch's rows are there too.
      assert.ok((await knex('endpoint_macs').where({ endpoint_id: 'ep_01203' })).length > 0);

      // A claim check after the upgrade: the first 20 reporters of MAC 7, by enrollment then id.
      const integration = await createCsvIntegration(store, 'macs', ['windows']);
      await knex('integrations')
        .where({ id: integration })
        .update({ config: JSON.stringify({ matchMacAddresses: true }), current_generation: 'g1' });
      await knex('inventory_records').insert({ id: 'rec7', integration_id: integration, generation: 'g1', serial_number: 'INV7' });
      await knex('inventory_macs').insert({ record_id: 'rec7', integration_id: integration, generation: 'g1', mac: mac(7) });
      const reporters = endpoints
        .filter((e) => (JSON.parse(e.mac_addresses ?? '[]') as string[]).includes(mac(7)))
        .sort((a, b) => a.enrolled_at - b.enrolled_at || (a.id < b.id ? -1 : 1))
        .map((e) => e.id);
      assert.ok(reporters.length > 20);
      await assert.rejects(
        knex.transaction(async (trx: Knex.Transaction) => {
          const claims = await macClaims(trx, 'ep_new', claimedColumns({} as EndpointRow), [mac(7)]);
          assert.deepEqual(claims, [{ kind: 'macAddress', value: mac(7), heldBy: reporters.slice(0, 20) }]);
          throw new Rollback();
        }),
        Rollback,
      );
      // Forgetting an endpoint now drops its rows with it (the foreign key cascades).
      assert.equal(await store.endpoints.forget('ep_00001'), true);
      await assertMacsMirrored(knex, 'forgetting an endpoint after the upgrade');
    });

    it('skips stored lists that are not lists of MACs, and goes down and up again', async () => {
      const knex = store.knex;
      await knex.migrate.down({ migrationSource, name: MIGRATION });
      const broken = [
        '{not json',
        `{"mac":"${mac(1)}"}`,
        `[null, 7, "", "${mac(2)}", "${mac(2)}", "${'F'.repeat(300)}"]`,
        // A NUL character (PostgreSQL text cannot hold one): no MAC, and no failed upgrade.
        '["AA\\u0000BB"]',
        '[]',
      ];
      await knex('endpoints').insert(broken.map((macs, i) => row(`ep_broken_${i}`, 60_000 + i, macs)));
      await knex.migrate.latest({ migrationSource });
      const rows = await knex('endpoint_macs').where('endpoint_id', 'like', 'ep_broken_%').select('endpoint_id', 'mac');
      assert.deepEqual(rows, [{ endpoint_id: 'ep_broken_2', mac: mac(2) }]);
      // The well-formed lists are all there again.
      await knex('endpoints').where('id', 'like', 'ep_broken_%').delete();
      await assertMacsMirrored(knex, 'down and up again');
    });
  });
}

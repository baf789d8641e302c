import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';

/**
 * Upgrading a collector whose endpoints reported placeholders before placeholder_kinds existed:
 * the migration marks them from their latest report, so the findings list them at once rather
 * than after each one's next report (a silent endpoint has none).
 */
const MIGRATION = '20261207100000_findings_at_scale';

for (const db of DATABASES) {
  describeUnless(db.skip)(`placeholder identifiers after an upgrade (${db.name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'findings-migrate'));
    });
    afterAll(async () => {
      await close();
    });

    it('marks the kinds a latest report names whose column is empty, and nothing else', async () => {
      const knex = store.knex;
      await knex.migrate.down({ migrationSource, name: MIGRATION });
      const endpoint = (id: string, stored: number, columns: Record<string, string | null>, identity: Record<string, string>) => ({
        row: {
          id,
          public_key: `pk-${id}`,
          enrolled_at: 1,
          last_seen_at: 1,
          last_seen_hour: 0,
          last_seq: stored,
          blocked: false,
          reports_stored: stored,
          ...columns,
        },
        // The latest report is in slot reports_stored mod 20; an older one in the slot before it.
        reports: [
          { endpoint_id: id, slot: stored % 20, seq: stored, received_at: 1, body: JSON.stringify({ identity }) },
          {
            endpoint_id: id,
            slot: (stored + 19) % 20,
            seq: stored - 1,
            received_at: 1,
            body: JSON.stringify({ identity: { serialNumber: 'Default string' } }),
          },
        ],
      });
      const all = [
        endpoint(
          'ep_oem',
          3,
          { serial_number: null, hardware_uuid: 'UUID1' },
          { serialNumber: 'To Be Filled By O.E.M.', hardwareUuid: 'uuid-1' },
        ),
        endpoint(
          'ep_two',
          21,
          { serial_number: null, hardware_uuid: null },
          { serialNumber: '0', hardwareUuid: '03000200-0400-0500-0006-000700080009' },
        ),
        endpoint('ep_real', 5, { serial_number: 'REAL1' }, { serialNumber: 'REAL-1' }),
        // Its older report held a placeholder, the latest none.
        endpoint('ep_none', 2, { serial_number: null }, { hostname: 'h' }),
      ];
      await knex('endpoints').insert(all.map((e) => e.row));
      await knex('report_history').insert(all.flatMap((e) => e.reports));
      await knex.migrate.latest({ migrationSource });

      const marked = Object.fromEntries(
        (
          (await knex('endpoints').select('id', 'placeholder_kinds').orderBy('id')) as { id: string; placeholder_kinds: string | null }[]
        ).map((r) => [r.id, r.placeholder_kinds]),
      );
      assert.deepEqual(marked, { ep_none: null, ep_oem: 'serialNumber', ep_real: null, ep_two: 'hardwareUuid,serialNumber' });
      const { count, first } = await store.endpointFindings.placeholders(10);
      assert.equal(count, 3);
      assert.deepEqual(first.map((e) => e.id).sort(), ['ep_oem', 'ep_two']);
    });
  });
}

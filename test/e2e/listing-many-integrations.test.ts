import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { csvInventory } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY } from '../support/collector.js';
import { statementsOf } from '../support/fleet-rows.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * The listing looks up every identifier of a page in a few united statements, each member
 * binding its device's integration ids. 200 members with 500 integrations each were ~100,000
 * bound parameters: past SQLite's 32,766 (a 500) and PostgreSQL's 65,535 (node-postgres sends
 * the count wrapped, the server answers 08P01, which read as an outage: a 503). One endpoint's
 * 66 identifiers with 500 integrations were past SQLite's too, on the endpoint's own page.
 * Statements are now sized by what they bind; the listing shows what each page does.
 */
const INTEGRATIONS = 500;
const ENDPOINTS = 4;
const SHOWN = ['trusted', 'matched', 'matchReasons', 'flags', 'postureSources', 'assurance'] as const;

const identity = (n: number) => ({
  platform: 'linux' as const,
  hostname: `wide-${n}`,
  serialNumber: `SER-WIDE-${n}`,
  hardwareUuid: `4C4C4544-0000-1000-8000-00000000000${n}`,
  macAddresses: Array.from({ length: 64 }, (_, m) => `02:00:00:0${n}:00:${m.toString(16).padStart(2, '0')}`),
});

for (const database of DATABASES) {
  describeUnless(database.skip)(`the endpoints listing with ${INTEGRATIONS} active integrations (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const channels: RawChannel[] = [];

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      // One integration holds the first endpoint's serial: a lookup lost on the way fails its trust.
      await csvInventory(c, 'serial_number,device_name,platform\nSER-WIDE-0,wide-0,linux\n', { name: 'Holds wide-0' });
      // The others hold nothing, active for all users: copies of its row straight into the schema
      // (set-up, as the fleet builders do; the change feed sees the writes to integrations).
      const [holder] = await c.store.knex('integrations').select('*');
      const copies = Array.from({ length: INTEGRATIONS - 1 }, (_, i) => ({
        ...holder,
        id: `wide-integration-${i}`,
        name: `Empty ${i}`,
        name_key: `empty ${i}`,
      }));
      for (let i = 0; i < copies.length; i += 50) await c.store.knex('integrations').insert(copies.slice(i, i + 50));
      for (let n = 0; n < ENDPOINTS; n++) {
        const ch = await RawChannel.open(c.url);
        channels.push(ch);
        const { keys } = await ch.enroll(ENROLLMENT_KEY);
        const report = { agentVersion: '0.1.0', collectedAt: new Date().toISOString(), identity: identity(n) };
        ch.send(ch.signed({ type: 'report', seq: 1, report }, keys));
        assert.equal((await ch.next((m) => m.type === 'ack' || m.type === 'error')).type, 'ack');
      }
    }, 120_000);
    afterAll(async () => {
      for (const ch of channels) ch.close();
      await c?.close();
    });

    it("answers, each row judged as the endpoint's own page judges it", async () => {
      assert.equal((await c.admin('GET', '/admin/v1/integrations')).body.integrations.length, INTEGRATIONS);
      let listing: { status: number; body: any } = { status: 0, body: null };
      const statements = await statementsOf(c.store.knex, async () => {
        listing = await c.admin('GET', '/admin/v1/endpoints');
      });
      assert.equal(listing.status, 200, JSON.stringify(listing.body));
      const rows = listing.body.endpoints as Record<string, unknown>[];
      assert.equal(rows.length, ENDPOINTS);
      for (const row of rows) {
        const page = await c.admin('GET', `/admin/v1/endpoints/${row.id as string}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        for (const field of SHOWN) assert.deepEqual(row[field], page.body[field], `${row.hostname as string}: ${field}`);
      }
      const trusted = new Map(rows.map((r) => [r.hostname, r.trusted]));
      assert.deepEqual(
        [...trusted].sort(([a], [b]) => String(a).localeCompare(String(b))),
        [
          ['wide-0', true],
          ['wide-1', false],
          ['wide-2', false],
          ['wide-3', false],
        ],
      );
      // 264 lookups binding 502 parameters each: split by what they bind, still a statement per
      // 19 lookups at most, not one per lookup.
      const united = statements.filter((sql) => /union all/i.test(sql));
      assert.ok(united.length >= 2 && united.length <= Math.ceil(264 / 19), `${united.length} united lookups`);
    });
  });
}

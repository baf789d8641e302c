import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { csvInventory } from '../support/app.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES, freshPostgresDatabase } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';
import { insertEndpoints } from '../support/fleet-rows.js';

interface Finding {
  type: string;
  message: string;
  value?: string;
  endpointIds?: string[];
  endpoints?: { id: string; hostname: string | null }[];
  records?: { deviceName: string | null; externalId: string | null }[];
}

/**
 * A duplicate finding names whom it concerns (its first few endpoints or inventory records) and
 * says what to do, as the pending finding does; the list shows what each pending endpoint waits
 * on; the dashboard's blocked count leaves released keys out. Through the admin API, on both
 * databases.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`duplicate findings say whom and what to do (${db.name})`, () => {
    let c: TestCollector;
    let drop: (() => Promise<void>) | null = null;
    beforeAll(async () => {
      const pg = db.name === 'postgres' ? await freshPostgresDatabase() : null;
      drop = pg?.drop ?? null;
      c = await startTestCollector({ scheduler: false, ...(pg ? { databaseUrl: pg.url } : {}) });
    });
    afterAll(async () => {
      await c?.stop();
      await drop?.();
    });

    const findings = async (): Promise<{ findings: Finding[]; counts: { byType: Record<string, number> } }> =>
      (await c.admin('GET', '/admin/v1/findings')).body;

    it('an inventory duplicate names its first three records and says where to fix it', async () => {
      const csv = [
        'serial_number,device_name',
        'TWICE-1,alice-mbp',
        'TWICE-1,alice-mbp-old',
        'FIVE-1,lab-1',
        'FIVE-1,lab-2',
        'FIVE-1,lab-3',
        'FIVE-1,lab-4',
        'FIVE-1,lab-5',
      ].join('\n');
      const integrationId = await csvInventory(c, csv, { name: 'Laptops' });
      const listed = await findings();
      const of = (value: string) => listed.findings.find((f) => f.type === 'duplicate-inventory-identifier' && f.value === value);
      const twice = of('TWICE1');
      assert.equal(
        twice?.message,
        '2 records of "Laptops" hold serial number TWICE1: "alice-mbp" and "alice-mbp-old"; none of them is trusted on it. ' +
          'If a device is listed twice (enrolled again, or a retired record left behind), remove the stale record; if one record holds ' +
          `another device's identifier, fix it: correct the CSV and upload it again (devtrustctl integration upload ${integrationId} FILE)`,
      );
      const five = of('FIVE1');
      assert.match(
        five?.message ?? '',
        /^5 records of "Laptops" hold serial number FIVE1: "lab-\d", "lab-\d", "lab-\d" and 2 more; none of them/,
      );
      assert.equal(five?.records?.length, 3);
      assert.equal(listed.counts.byType['duplicate-inventory-identifier'], 2);
    });

    it('an endpoint duplicate names its first three endpoints and the ways out', async () => {
      await insertEndpoints(c.store.knex, 'ep_dup_', 4, Date.now(), () => ({ serial_number: 'IMAGED1' }));
      const listed = await findings();
      const dupe = listed.findings.find((f) => f.type === 'duplicate-endpoint-identifier' && f.value === 'IMAGED1');
      assert.equal(
        dupe?.message,
        '4 enrolled endpoints report serial number IMAGED1: ep_dup_0 "ep_dup_host-0", ep_dup_1 "ep_dup_host-1", ep_dup_2 "ep_dup_host-2" and 1 more; ' +
          'it is never used to trust them. If one is the same device as another, re-imaged or with its agent reinstalled (its old key no longer reports), ' +
          'release the old endpoint: devtrustctl endpoint release <old id>, or "Release identifiers" on its console page. ' +
          'If they are copies of one disk image, give each copy identifiers of its own (a new MachineGuid; for a virtual machine a new serial number and hardware UUID too). ' +
          "Block any you cannot place: a blocked endpoint is nobody's duplicate",
      );
      assert.deepEqual(dupe?.endpointIds, ['ep_dup_0', 'ep_dup_1', 'ep_dup_2', 'ep_dup_3']);
      assert.deepEqual(
        dupe?.endpoints?.map((e) => e.id),
        ['ep_dup_0', 'ep_dup_1', 'ep_dup_2'],
      );
      assert.equal(listed.counts.byType['duplicate-endpoint-identifier'], 1);
    });

    it('the pending list says what each endpoint waits on; the dashboard counts blocked endpoints, not released keys', async () => {
      await insertEndpoints(c.store.knex, 'ep_hold_', 2, Date.now(), (i) => ({ serial_number: `HOLD${i}`, machine_guid: `GUID${i}` }));
      await insertEndpoints(c.store.knex, 'ep_wait_', 2, Date.now(), (i) => ({
        serial_number: `HOLD${i}`,
        machine_guid: `GUID${i}`,
        approval: 'pending',
        approval_claims: JSON.stringify([
          { kind: 'serialNumber', value: `HOLD${i}`, heldBy: [`ep_hold_${i}`] },
          { kind: 'machineGuid', value: `GUID${i}`, heldBy: [`ep_hold_${i}`] },
        ]),
      }));
      const pending = (await c.admin('GET', '/admin/v1/endpoints?approval=pending&sort=enrolled')).body;
      assert.deepEqual(
        // When each holder last reported (and whether since the waiter enrolled) is checked below.
        pending.endpoints.map((e: { id: string; waitsOn: { reportedSince: unknown; lastSeenAt: unknown }[] }) => [
          e.id,
          e.waitsOn.map(({ reportedSince: _r, lastSeenAt: _l, ...w }) => w),
        ]),
        [1, 0].map((i) => [
          `ep_wait_${i}`,
          [{ id: `ep_hold_${i}`, hostname: `ep_hold_host-${i}`, kinds: ['serialNumber', 'machineGuid'], standing: 'holds' }],
        ]),
      );
      for (const e of pending.endpoints) {
        assert.equal(typeof e.waitsOn[0].lastSeenAt, 'number');
        assert.equal(typeof e.waitsOn[0].reportedSince, 'boolean');
      }
      const holder = (await c.admin('GET', '/admin/v1/endpoints?q=ep_hold_0')).body.endpoints[0];
      assert.equal(holder.waitsOn, null);
      // The trust filter's pages say it too.
      const untrusted = (await c.admin('GET', '/admin/v1/endpoints?approval=pending&trusted=false')).body;
      assert.equal(untrusted.endpoints.length, 2);
      assert.ok(untrusted.endpoints.every((e: { waitsOn: unknown[] }) => e.waitsOn.length === 1));

      const before = (await c.admin('GET', '/admin/v1/dashboard')).body.endpoints;
      assert.equal((await c.admin('POST', '/admin/v1/endpoints/ep_hold_0/release')).status, 200);
      assert.equal((await c.admin('POST', '/admin/v1/endpoints/ep_wait_1/deny')).status, 200);
      const after = (await c.admin('GET', '/admin/v1/dashboard')).body.endpoints;
      assert.deepEqual([after.blocked - before.blocked, after.released - before.released], [1, 1]);
    });
  });
}

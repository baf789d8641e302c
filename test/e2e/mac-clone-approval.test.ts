import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * With MAC matching on, a clone that copies only a real device's MAC address (and maybe
 * invents a serial nobody knows) would be trusted through that MAC: it waits for approval,
 * like a copied serial. Laptops that share a dock's MAC but are known by their own serials
 * are not affected.
 */
const REAL_MAC = '00:1A:2B:3C:4D:5E';
const DOCK_MAC = '00:1A:2B:00:D0:CC';

for (const database of DATABASES) {
  describeUnless(database.skip)(`a MAC address as the only match is a claim (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const channels: RawChannel[] = [];

    /** Enrolls an agent that reports `identity`; returns its endpoint as the admin API shows it. */
    const device = async (identity: Record<string, unknown>): Promise<any> => {
      const ch = await RawChannel.open(c.url);
      channels.push(ch);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const report = { agentVersion: '0.1.0', collectedAt: new Date().toISOString(), identity: { platform: 'windows', ...identity } };
      ch.send(ch.signed({ type: 'report', seq: 1, report } as never, keys));
      assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
      return (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
    };

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Inventory',
        platforms: ['windows'],
        config: { matchMacAddresses: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const csv = `serial_number,mac_addresses\nREAL-1,${REAL_MAC}\nLAP-A,${DOCK_MAC}\nLAP-B,00:1A:2B:00:00:0B\n`;
      assert.equal(
        (await c.admin('PUT', `/admin/v1/integrations/${created.body.id}/inventory`, csv, { contentType: 'text/csv' })).status,
        200,
      );
      assert.equal((await c.admin('PUT', `/admin/v1/integrations/${created.body.id}/activation`, { mode: 'all-users' })).status, 200);
    });
    afterAll(async () => {
      for (const ch of channels) ch.close();
      await c?.close();
    });

    it('a clone reporting only the MAC of an enrolled device, or that MAC and an unknown serial, waits for approval', async () => {
      const real = await device({ serialNumber: 'REAL-1', macAddresses: [REAL_MAC] });
      assert.equal(real.trusted, true, JSON.stringify(real.matchReasons));
      assert.equal(real.approval, null);

      const macOnly = await device({ hostname: 'CLONE-1', macAddresses: [REAL_MAC] });
      assert.equal(macOnly.approval, 'pending');
      assert.equal(macOnly.trusted, false);
      assert.deepEqual(macOnly.approvalClaims, [{ kind: 'macAddress', value: '001A2B3C4D5E', heldBy: [real.id] }]);
      assert.match(macOnly.matchReasons.join('\n'), /pending approval: this endpoint reports MAC address 001A2B3C4D5E/);

      const inventedSerial = await device({ hostname: 'CLONE-2', serialNumber: 'INVENTED-9', macAddresses: [REAL_MAC] });
      assert.equal(inventedSerial.approval, 'pending');
      assert.equal(inventedSerial.trusted, false);

      const findings = (await c.admin('GET', '/admin/v1/findings')).body;
      assert.match(JSON.stringify(findings), /\\"CLONE-1\\" awaits approval: it reports MAC address 001A2B3C4D5E/);

      // An administrator who knows it is the same machine (a reinstall) approves it: trusted by the MAC.
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${macOnly.id}/approve`)).status, 200);
      const approved = (await c.admin('GET', `/admin/v1/endpoints/${macOnly.id}`)).body;
      assert.equal(approved.approval, 'approved');
      assert.equal(approved.trusted, true, JSON.stringify(approved.matchReasons));
    });

    it('a denied copy holds nothing: the next copy of the same MAC waits on the real device alone, which no Release or stolen-device warning names', async () => {
      const mac = '00:1A:2B:3C:4D:77';
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Lab boxes',
        platforms: ['windows'],
        config: { matchMacAddresses: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const csv = `device_name,mac_addresses\nlab-box,${mac}\n`;
      assert.equal(
        (await c.admin('PUT', `/admin/v1/integrations/${created.body.id}/inventory`, csv, { contentType: 'text/csv' })).status,
        200,
      );
      assert.equal((await c.admin('PUT', `/admin/v1/integrations/${created.body.id}/activation`, { mode: 'all-users' })).status, 200);
      const real = await device({ hostname: 'LAB-BOX', macAddresses: [mac] });
      assert.equal(real.trusted, true, JSON.stringify(real.matchReasons));
      const first = await device({ hostname: 'COPY-1', macAddresses: [mac] });
      assert.equal(first.approval, 'pending');
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${first.id}/deny`)).status, 200);
      const second = await device({ hostname: 'COPY-2', macAddresses: [mac] });
      assert.equal(second.approval, 'pending');
      assert.deepEqual(second.approvalClaims, [{ kind: 'macAddress', value: '001A2B3C4D77', heldBy: [real.id] }]);
      assert.doesNotMatch(JSON.stringify(second.matchReasons), new RegExp(first.id));
      assert.equal(second.approveCaution, null, 'the denied copy is no blocked holder (no stolen-device warning)');
      // The real device is not waited on by a denied copy's leftovers either.
      const listed = (await c.admin('GET', `/admin/v1/endpoints?approval=pending&q=COPY-2`)).body.endpoints[0];
      assert.deepEqual(
        listed.waitsOn.map((w: { id: string }) => w.id),
        [real.id],
      );
    });

    it('laptops sharing a dock MAC but known by their own serials are not pending and stay trusted', async () => {
      const a = await device({ hostname: 'LAP-A', serialNumber: 'LAP-A', macAddresses: [DOCK_MAC] });
      const b = await device({ hostname: 'LAP-B', serialNumber: 'LAP-B', macAddresses: [DOCK_MAC, '00:1A:2B:00:00:0B'] });
      for (const laptop of [a, b]) {
        assert.equal(laptop.approval, null, JSON.stringify(laptop.approvalClaims));
        assert.equal(laptop.trusted, true, JSON.stringify(laptop.matchReasons));
      }
    });

    it('a MAC shared with another endpoint that no MAC-matching inventory holds is no claim', async () => {
      const first = await device({ hostname: 'LINUX-1', macAddresses: ['00:1A:2B:99:99:01'] });
      const second = await device({ hostname: 'LINUX-2', macAddresses: ['00:1A:2B:99:99:01'] });
      assert.equal(first.approval, null);
      assert.equal(second.approval, null);
    });
  });
}

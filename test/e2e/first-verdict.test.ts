import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../support/skip.js';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';

const WINDOWS_LAPTOP = {
  platform: 'windows' as const,
  hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32',
  serialNumber: 'PF2ABCDE',
  machineGuid: '6f1a2b3c-0000-4d5e-8f90-abcdef012345',
  hostname: 'LAPTOP-ALICE',
  osVersion: '10.0.22631',
  macAddresses: ['3C:22:FB:12:34:56'],
};

for (const db of DATABASES)
  describeUnless(db.skip)(`the first verdict, end to end (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let strict: TestApp;
    let open: TestApp;
    const agents: TestAgent[] = [];

    async function attestAs(identity: Parameters<typeof startTestAgent>[1], app: TestApp, username = 'alice@example.com') {
      const agent = await startTestAgent(c.url, identity);
      agents.push(agent);
      const tx = await app.open(username);
      const pending = await app.read(tx);
      assert.equal(pending.body.state, 'pending');
      await agent.agent.attest(tx);
      return (await app.read(tx)).body;
    }

    beforeAll(async () => {
      c = await collectorOn(db.name);
      await csvInventory(
        c,
        [
          'serial_number,hardware_uuid,machine_guid,device_name,platform,owner',
          // Written the way an MDM export writes them: lower case, braces, spaces.
          'pf-2abcde,{4c4c4544-0042-3510-8052-b4c04f4e4d32},,LAPTOP-ALICE,windows,alice',
          ',,{00000000-1111-2222-3333-444455556666},LAPTOP-BOB,windows,bob',
          'To Be Filled By O.E.M.,03000200-0400-0500-0006-000700080009,,WHITEBOX,windows,',
          'C02ZK0XYMD6M,,,MAC-CAROL,macos,carol',
          'PF2BLOCKED,,,LAPTOP-DAVE,windows,dave',
        ].join('\n'),
      );
      strict = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
      open = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Wiki');
    });
    afterAll(async () => {
      for (const agent of agents.splice(0)) await agent.stop();
      await c.close();
    });

    it('an enrolled agent in the inventory is trusted, with the matched pair in the reasons', async () => {
      const result = await attestAs(WINDOWS_LAPTOP, strict);
      assert.equal(result.state, 'decided');
      assert.equal(result.verdict, 'trusted');
      assert.equal(result.access, 'allow');
      assert.match(
        result.reasons.join('\n'),
        /hardware UUID 4C4C4544004235108052B4C04F4E4D32 matches record "LAPTOP-ALICE" of integration "Corporate inventory" \(csv\)/,
      );
      assert.ok(result.endpointId.startsWith('ep_'));
    });

    it('identifiers that differ only in case, braces, dashes or whitespace still match', async () => {
      const result = await attestAs(
        { platform: 'windows', machineGuid: ' {00000000-1111-2222-3333-444455556666} ' },
        strict,
        'bob@example.com',
      );
      assert.equal(result.verdict, 'trusted');
      assert.match(result.reasons[1], /MachineGuid 00000000111122223333444455556666 matches record "LAPTOP-BOB"/);
    });

    it('placeholder serials and UUIDs never match, even when the inventory holds them', async () => {
      const result = await attestAs(
        { platform: 'windows', serialNumber: 'To Be Filled By O.E.M.', hardwareUuid: '03000200-0400-0500-0006-000700080009' },
        strict,
      );
      assert.equal(result.verdict, 'untrusted');
      assert.equal(result.access, 'deny');
      assert.match(result.reasons.join('\n'), /no usable identifier/);
    });

    it('a record that states its platform matches only a device of that platform', async () => {
      const result = await attestAs({ platform: 'windows', serialNumber: 'C02ZK0XYMD6M' }, strict);
      assert.equal(result.verdict, 'untrusted');
      assert.match(result.reasons.join('\n'), /for a macos device, but this device reports windows/);
    });

    it('a device not in the inventory is untrusted: denied under require-trusted, allowed under allow-all', async () => {
      const stranger = { platform: 'linux' as const, serialNumber: 'NOT-IN-INVENTORY-1', hostname: 'stranger' };
      const denied = await attestAs(stranger, strict);
      assert.deepEqual([denied.verdict, denied.access], ['untrusted', 'deny']);
      assert.match(denied.reasons[0], /require-trusted/);
      const allowed = await attestAs({ ...stranger, serialNumber: 'NOT-IN-INVENTORY-2' }, open);
      assert.deepEqual([allowed.verdict, allowed.access], ['untrusted', 'allow']);
      assert.match(allowed.reasons[0], /allow-all/);
    });

    it('every verdict is in the auth log with its reasons, and the endpoint list shows the devices', async () => {
      const log = await c.admin('GET', '/admin/v1/auth-log?user=alice@example.com');
      assert.equal(log.status, 200);
      assert.ok(log.body.entries.length >= 1);
      assert.ok(log.body.entries.every((e: any) => e.reasons.length > 0 && e.username === 'alice@example.com'));
      const trusted = await c.admin('GET', '/admin/v1/endpoints?trusted=true');
      assert.ok(trusted.body.endpoints.every((e: any) => e.trusted === true));
      const alice = trusted.body.endpoints.find((e: any) => e.hostname === 'LAPTOP-ALICE');
      assert.equal(alice.matched.kind, 'hardwareUuid');
      assert.equal(alice.lastVerdict.verdict, 'trusted');
      const untrusted = await c.admin('GET', '/admin/v1/endpoints?trusted=false');
      assert.ok(untrusted.body.endpoints.some((e: any) => e.hostname === 'stranger'));
      // The filter applies before paging: one untrusted endpoint per page, whatever is newest.
      let cursor = '';
      for (let n = 0; n < 2; n++) {
        const page = (await c.admin('GET', `/admin/v1/endpoints?trusted=false&limit=1${cursor}`)).body;
        assert.equal(page.endpoints.length, 1);
        assert.equal(page.endpoints[0].trusted, false);
        cursor = `&cursor=${page.nextCursor}`;
      }
    });

    it('a blocked endpoint is denied whatever it matches, and unblocking restores it', async () => {
      const agent = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'PF2BLOCKED', hostname: 'LAPTOP-DAVE' });
      agents.push(agent);
      const endpointId = agent.agent.status().endpointId as string;
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${endpointId}/block`)).status, 200);
      let tx = await strict.open('dave@example.com');
      await agent.agent.attest(tx);
      let result = (await strict.read(tx)).body;
      assert.deepEqual([result.verdict, result.access], ['untrusted', 'deny']);
      assert.match(result.reasons[0], /blocked/);
      assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${endpointId}/block`)).status, 200);
      tx = await strict.open('dave@example.com');
      await agent.agent.attest(tx);
      result = (await strict.read(tx)).body;
      assert.deepEqual([result.verdict, result.access], ['trusted', 'allow']);
    });

    it('another application cannot read a transaction, and a wrong secret is refused', async () => {
      const tx = await strict.open('alice@example.com');
      assert.equal((await open.read(tx)).status, 404);
      const response = await fetch(`${c.url}/api/v1/transactions/${tx}`, {
        headers: { authorization: `Basic ${Buffer.from(`${strict.clientId}:wrong`).toString('base64')}` },
      });
      assert.equal(response.status, 401);
    });
  });

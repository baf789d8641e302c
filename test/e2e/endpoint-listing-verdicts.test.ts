import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { csvInventory } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { statementsOf } from '../support/fleet-rows.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/**
 * The endpoints listing judges a whole page together (VerdictService.evaluateEach: the users,
 * the identifiers' records and the reporting counts of every row in a few statements). What it
 * shows must be what the endpoint's own page, judged alone, shows, for every kind of endpoint:
 * matched through an inventory active for everyone or only for its user's group, a duplicate
 * pair both approved, pending, denied, blocked, released, unknown, matched by a MAC.
 */
const SHOWN = [
  'trusted',
  'matched',
  'assurance',
  'matchReasons',
  'flags',
  'edrStatus',
  'postureSources',
  'approval',
  'blocked',
  'lastVerdictOutdated',
] as const;

const device = (name: string, more: Partial<DeviceIdentity> = {}): DeviceIdentity => ({
  platform: 'linux',
  hostname: name,
  serialNumber: `SER-${name.toUpperCase()}`,
  ...more,
});

for (const database of DATABASES) {
  describeUnless(database.skip)(`the endpoints listing judges a page as each endpoint alone (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const agents: TestAgent[] = [];
    const ids: Record<string, string> = {};

    const enroll = async (name: string, identity: DeviceIdentity): Promise<string> => {
      const started = await startTestAgent(c.url, identity);
      agents.push(started);
      ids[name] = started.agent.status().endpointId as string;
      return ids[name] as string;
    };
    const lastUser = (name: string, user: string) => c.store.knex('endpoints').where({ id: ids[name] }).update({ last_user: user });

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      await csvInventory(
        c,
        'serial_number,device_name,platform,mac_addresses\n' +
          'SER-EVERYONE,everyone,linux,\nSER-PAIR,pair,linux,\nSER-RELEASED,released,linux,\n,by-mac,linux,02:00:00:aa:bb:01\n',
        { name: 'Everyone' },
      );
      const pilots = await csvInventory(c, 'serial_number,device_name,platform\nSER-PILOT,pilot,linux\nSER-OUTSIDER,outsider,linux\n', {
        name: 'Pilot group',
        activation: { mode: 'test-groups', groups: ['pilot'] },
      });
      assert.ok(pilots);
      assert.equal((await c.admin('PUT', '/admin/v1/users/alice@example.com', { groups: ['pilot'] })).status, 200);
      assert.equal((await c.admin('PUT', '/admin/v1/users/bob@example.com', { groups: [] })).status, 200);

      await enroll('everyone', device('everyone'));
      await enroll('pilot', device('pilot'));
      await lastUser('pilot', 'Alice@Example.com');
      await enroll('outsider', device('outsider'));
      await lastUser('outsider', 'bob@example.com');
      await enroll('pair1', device('pair1', { serialNumber: 'SER-PAIR' }));
      await enroll('pair2', device('pair2', { serialNumber: 'SER-PAIR' }));
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.pair2}/approve`)).status, 200);
      await enroll('pending', device('pending', { serialNumber: 'SER-EVERYONE' }));
      await enroll('denied', device('denied', { serialNumber: 'SER-EVERYONE' }));
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.denied}/deny`)).status, 200);
      await enroll('blocked', device('blocked', { serialNumber: 'SER-BLOCKED' }));
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.blocked}/block`)).status, 200);
      await enroll('released', device('released', { serialNumber: 'SER-RELEASED' }));
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.released}/release`)).status, 200);
      await enroll('unknown', device('unknown'));
      await enroll('byMac', { platform: 'linux', hostname: 'by-mac', macAddresses: ['02:00:00:AA:BB:01'] });
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await c?.close();
    });

    it("shows each row's verdict as its own page does", async () => {
      const listed = (await c.admin('GET', '/admin/v1/endpoints?limit=50')).body.endpoints as Record<string, unknown>[];
      assert.equal(listed.length, Object.keys(ids).length);
      for (const row of listed) {
        const alone = (await c.admin('GET', `/admin/v1/endpoints/${row.id as string}`)).body as Record<string, unknown>;
        for (const field of SHOWN) assert.deepEqual(row[field], alone[field], `${row.hostname as string}: ${field}`);
      }
      // The fleet has each case the listing must judge as its page does (so the comparison above can fail).
      const byName = new Map(listed.map((r) => [r.hostname as string, r]));
      const trusted = (name: string) => byName.get(name)?.trusted;
      assert.equal(trusted('everyone'), true);
      assert.equal(trusted('pilot'), true, 'matched through the pilot group inventory (its user is in the group)');
      assert.equal(trusted('outsider'), false, 'the pilot inventory is not active for its user');
      assert.equal(trusted('by-mac'), false);
      assert.deepEqual([trusted('pair1'), trusted('pair2')], [false, false], 'a serial two approved endpoints report trusts neither');
      assert.ok((byName.get('pair1')?.flags as string[]).length > 0);
      assert.equal(byName.get('pending')?.approval, 'pending');
      assert.equal(byName.get('denied')?.approval, 'denied');
      assert.equal(byName.get('blocked')?.blocked, true);
      assert.equal(trusted('unknown'), false);
    });

    it('reads a page in a few statements, not several per row', async () => {
      const statements = await statementsOf(c.store.knex, () => c.admin('GET', '/admin/v1/endpoints?limit=50'));
      // The page, its total, the names of those pending ones wait on, the API key, the users, the
      // records (one union), a count per identifier kind: not four statements for each of the 11 rows.
      assert.ok(statements.length <= 16, `${statements.length} statements:\n${statements.join('\n')}`);
    });
  });
}

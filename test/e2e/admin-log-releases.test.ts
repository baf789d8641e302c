import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/** The bulk release's pair is seconds old: its quiet period is off here. */
const NO_QUIET_PERIOD = { DEVTRUST_REENROLLMENT_QUIET_MINUTES: '0' };

const device = (n: number): DeviceIdentity => ({
  platform: 'macos',
  hostname: `logged-${n}`,
  serialNumber: `C02LOGGED${n}`,
  hardwareUuid: `4C4C4544-0042-3510-8052-B4C04F4E${String(n).padStart(4, '0')}`,
});
const bound = (n: number) => [
  { kind: 'hardwareUuid', value: `4C4C4544004235108052B4C04F4E${String(n).padStart(4, '0')}` },
  { kind: 'serialNumber', value: `C02LOGGED${n}` },
];

/**
 * The administrator actions log says what a release and a forget did (docs/admin-api.md): the
 * identifiers given up, the waiting endpoints approved (`freed`, a release only) and those still
 * waiting, and whether a release was part of a bulk release. Real agents on a real collector, both databases.
 */
for (const database of DATABASES) {
  describeUnless(database.skip)(`admin log of releases and forgets (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const agents: TestAgent[] = [];

    /** Enrolls a new device key reporting `identity`: its endpoint id. */
    const enroll = async (identity: DeviceIdentity): Promise<string> => {
      const started = await startTestAgent(c.url, identity);
      agents.push(started);
      return started.agent.status().endpointId as string;
    };
    const entry = async (id: string, action: string): Promise<any> => {
      const logged = await c.admin('GET', `/admin/v1/admin-log?resourceType=endpoint&resourceId=${id}&action=${action}`);
      assert.equal(logged.body.entries.length, 1, JSON.stringify(logged.body));
      return logged.body.entries[0];
    };

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false, env: NO_QUIET_PERIOD });
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await c?.close();
    });

    it('a release by hand records its identifiers, whom it freed and who still waits, not bulk', async () => {
      const holder = await enroll(device(1));
      // Two new keys on the same hardware: the first to enroll takes the identifiers, the second waits on it.
      const first = await enroll(device(1));
      const second = await enroll(device(1));
      const released = await c.admin('POST', `/admin/v1/endpoints/${holder}/release`);
      assert.equal(released.status, 200, JSON.stringify(released.body));
      assert.deepEqual([released.body.freed, released.body.stillPending], [[first], [second]]);

      const logged = await entry(holder, 'release');
      assert.deepEqual(logged.after.release, {
        identifiers: bound(1),
        identifierCount: 2,
        freed: [first],
        freedCount: 1,
        stillPending: [second],
        stillPendingCount: 1,
        bulk: false,
      });
      assert.ok(logged.changed.includes('release'), logged.changed.join(', '));
      assert.equal(logged.before.release, undefined);
    });

    it('a bulk release records the same, marked bulk', async () => {
      const old = await enroll(device(2));
      const reimaged = await enroll(device(2));
      const preview = (await c.admin('GET', '/admin/v1/reenrollments')).body;
      const pair = preview.candidates.find((p: any) => p.predecessor.id === old);
      assert.ok(pair, JSON.stringify(preview));
      const done = await c.admin('POST', '/admin/v1/reenrollments/release', { predecessorIds: [old], newcomerIds: [reimaged] });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.released.length, 1, JSON.stringify(done.body));

      assert.deepEqual((await entry(old, 'release')).after.release, {
        identifiers: bound(2),
        identifierCount: 2,
        freed: [reimaged],
        freedCount: 1,
        stillPending: [],
        stillPendingCount: 0,
        bulk: true,
      });
    });

    it('forgetting a holder answers and records what it held and who is left waiting on it, approving none', async () => {
      const holder = await enroll(device(3));
      const first = await enroll(device(3));
      const second = await enroll(device(3));
      const forgotten = await c.admin('DELETE', `/admin/v1/endpoints/${holder}`);
      assert.equal(forgotten.status, 200, JSON.stringify(forgotten.body));
      assert.deepEqual(forgotten.body, {
        forgotten: { id: holder, hostname: 'logged-3' },
        identifiers: bound(3),
        stillPending: [first, second],
      });
      assert.equal((await c.admin('GET', `/admin/v1/endpoints/${first}`)).body.approval, 'pending');

      const logged = await entry(holder, 'forget');
      assert.equal(logged.before.id, holder);
      assert.deepEqual(logged.after, {
        forget: {
          identifiers: bound(3),
          identifierCount: 2,
          stillPending: [first, second],
          stillPendingCount: 2,
        },
      });
      // Forgotten already: nothing to forget, nothing logged.
      assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${holder}`)).status, 404);
      await entry(holder, 'forget');
    });
  });
}

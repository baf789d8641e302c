import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/** These pairs are seconds old: the quiet period (its own test: collector/test/store/reenrollment-races.test.ts) is off here. */
const NO_QUIET_PERIOD = { DEVTRUST_REENROLLMENT_QUIET_MINUTES: '0' };

/**
 * Releasing re-enrolled devices in bulk (docs/enrollment-and-posture.md): real agents, each
 * with its own device key, on a real collector over SQLite and PostgreSQL. The preview lists
 * exactly the safe pairs and says why it skips the others; the release frees exactly what the
 * admin named, refuses a set that changed since the preview, and is for owners and admins only.
 */
const mac = (n: number, platform: 'macos' | 'windows' = 'macos'): DeviceIdentity =>
  platform === 'macos'
    ? {
        platform,
        hostname: `mac-${n}`,
        serialNumber: `C02REENROLL${n}`,
        hardwareUuid: `4C4C4544-0042-3510-8052-B4C04F4E${String(n).padStart(4, '0')}`,
      }
    : {
        platform,
        hostname: `pc-${n}`,
        serialNumber: `C02REENROLL${n}`,
        machineGuid: `6f1b0c1e-9a44-4d1b-8a61-0c0ffee0${String(n).padStart(4, '0')}`,
      };

/** Waits until the clock has moved past `ms`, so an enrollment after this is strictly later. */
async function after(ms: number): Promise<number> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 2));
  return Date.now();
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`bulk release of re-enrolled devices (${database.name})`, () => {
    let c: CollectorOnDatabase;
    const agents: TestAgent[] = [];
    const ids: Record<string, string> = {};
    let windowStart = 0;

    const enroll = async (name: string, identity: DeviceIdentity): Promise<TestAgent> => {
      const started = await startTestAgent(c.url, identity);
      agents.push(started);
      ids[name] = started.agent.status().endpointId as string;
      return started;
    };
    const endpoint = async (name: string): Promise<any> => (await c.admin('GET', `/admin/v1/endpoints/${ids[name]}`)).body;
    const preview = async (query = ''): Promise<any> => {
      const answer = await c.admin('GET', `/admin/v1/reenrollments${query}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    const release = (body: unknown, token?: string) =>
      c.admin('POST', '/admin/v1/reenrollments/release', body, token === undefined ? {} : { token });

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false, env: NO_QUIET_PERIOD });
      // Re-imaged before the window: a candidate only when the window is left open.
      await enroll('oldEarly', mac(6));
      await after(Date.now());
      await enroll('newEarly', mac(6));
      windowStart = await after(Date.now());
      // Every old key reports once and then goes quiet (its agent stays connected: no report
      // is sent until asked), unless the test makes it report again.
      await enroll('old1', mac(1));
      await enroll('old2', mac(2));
      await enroll('old3', mac(3));
      await enroll('old4', mac(4));
      await enroll('old5', mac(5, 'windows'));
      await enroll('old7', mac(7));
      await enroll('new1', mac(1));
      await enroll('new7', mac(7));
      // Still in use: the old key reports after the new one enrolled (a second device, or a clone).
      const old2 = agents.find((a) => a.agent.status().endpointId === ids.old2) as TestAgent;
      await enroll('new2', mac(2));
      await after(Date.now());
      await old2.agent.reportNow();
      // Partial overlap: the newcomer shares the serial only, not the hardware UUID.
      await enroll('new3', { ...mac(3), hardwareUuid: '11111111-2222-3333-4444-555555555555' });
      // Two newcomers for one predecessor.
      await enroll('new4a', mac(4));
      await enroll('new4b', mac(4));
      // Same serial, another platform.
      await enroll('new5', { platform: 'macos', hostname: 'mac-5', serialNumber: 'C02REENROLL5' });
      for (const name of ['new1', 'new2', 'new3', 'new4a', 'new4b', 'new5', 'new7', 'newEarly'])
        assert.equal((await endpoint(name)).approval, 'pending', name);
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await c?.close();
    });

    it('the preview lists the safe pairs with both endpoints and the identifiers, skips the others with their reason, and changes nothing', async () => {
      const before = JSON.stringify((await c.admin('GET', '/admin/v1/endpoints?sort=enrolled')).body.endpoints);
      const shown = await preview(`?enrolledAfter=${new Date(windowStart).toISOString()}`);
      assert.deepEqual(
        shown.candidates.map((x: any) => [x.predecessor.id, x.newcomer.id]),
        [
          [ids.old1, ids.new1],
          [ids.old7, ids.new7],
        ],
      );
      assert.equal(shown.candidateCount, 2);
      const first = shown.candidates[0];
      assert.deepEqual(first.identifiers, [
        { kind: 'hardwareUuid', value: '4C4C4544004235108052B4C04F4E0001' },
        { kind: 'serialNumber', value: 'C02REENROLL1' },
      ]);
      assert.equal(first.predecessor.hostname, 'mac-1');
      assert.ok(first.predecessor.lastSeenAt < first.newcomer.enrolledAt);
      assert.equal(typeof first.predecessor.enrolledAt, 'number');
      assert.equal(typeof first.newcomer.lastSeenAt, 'number');
      const skipped = Object.fromEntries(shown.skipped.map((s: any) => [s.newcomer.id, s.reason]));
      assert.deepEqual(skipped, {
        [ids.new2 as string]: 'predecessor-still-reporting',
        [ids.new3 as string]: 'partial-overlap',
        [ids.new4a as string]: 'several-newcomers',
        [ids.new4b as string]: 'several-newcomers',
        [ids.new5 as string]: 'platform-mismatch',
      });
      assert.equal(shown.skippedCount, 5);
      assert.deepEqual(shown.skippedByReason, {
        'predecessor-still-reporting': 1,
        'partial-overlap': 1,
        'several-newcomers': 2,
        'platform-mismatch': 1,
      });
      assert.ok(shown.skipped.every((s: any) => typeof s.detail === 'string' && s.detail.length > 0));

      // Without a window the pair re-imaged earlier is a candidate too; one at a time, with a cursor.
      const page = await preview('?limit=1');
      assert.equal(page.candidateCount, 3);
      assert.deepEqual([page.candidates[0].predecessor.id], [ids.oldEarly]);
      const next = await preview(`?limit=1&cursor=${page.nextCursor}`);
      assert.deepEqual([next.candidates[0].predecessor.id], [ids.old1]);
      assert.deepEqual(next.skipped, []);
      // A later page judges only the newcomers after its cursor: the counts are the first page's.
      assert.deepEqual([next.candidateCount, next.skippedCount, next.skippedByReason], [null, null, null]);
      assert.equal(JSON.stringify((await c.admin('GET', '/admin/v1/endpoints?sort=enrolled')).body.endpoints), before);
    });

    it('a set that changed since the preview answers 409 and releases nothing; then the confirmed set, exactly', async () => {
      const windowQuery = { enrolledAfter: new Date(windowStart).toISOString() };
      // A second key now claims the identifiers old7 holds: no longer a safe pair.
      await enroll('clone7', mac(7));
      const refused = await release({ ...windowQuery, predecessorIds: [ids.old1, ids.old7], newcomerIds: [ids.new1, ids.new7] });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'REENROLLMENTS_CHANGED');
      assert.match(refused.body.error.message, new RegExp(`${ids.old7}: several-newcomers`));
      assert.equal((await endpoint('old1')).releasedAt, null);
      assert.equal((await endpoint('new1')).approval, 'pending');

      const shown = await preview(`?enrolledAfter=${windowQuery.enrolledAfter}`);
      assert.deepEqual(
        shown.candidates.map((x: any) => x.predecessor.id),
        [ids.old1],
      );
      const done = await release({ ...windowQuery, predecessorIds: [ids.old1], newcomerIds: [ids.new1] });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual(
        done.body.released.map((r: any) => [r.predecessorId, r.newcomerId, r.freed]),
        [[ids.old1, ids.new1, [ids.new1]]],
      );
      assert.deepEqual(done.body.notReleased, []);
      // The window's next batch comes from the preview (a release judges only the pairs it names).
      assert.equal((await preview(`?enrolledAfter=${windowQuery.enrolledAfter}`)).candidateCount, 0);
      const old = await endpoint('old1');
      assert.equal(old.blocked, true);
      assert.equal(typeof old.releasedAt, 'number');
      assert.equal((await endpoint('new1')).approval, 'approved');
      // Nothing else moved: the skipped and the out-of-window pair are as they were.
      for (const name of ['old2', 'old3', 'old4', 'old5', 'old7', 'oldEarly']) assert.equal((await endpoint(name)).releasedAt, null, name);
      for (const name of ['new2', 'new3', 'new4a', 'new4b', 'new5', 'new7', 'newEarly'])
        assert.equal((await endpoint(name)).approval, 'pending', name);
      // One administrator action per release, by the key that asked.
      const logged = await c.admin('GET', `/admin/v1/admin-log?resourceType=endpoint&resourceId=${ids.old1}&action=release`);
      assert.equal(logged.body.entries.length, 1);
      // A predecessor whose newcomer enrolled before the window is no candidate of that window.
      const outside = await release({ ...windowQuery, predecessorIds: [ids.oldEarly], newcomerIds: [ids.newEarly] });
      assert.equal(outside.status, 409, JSON.stringify(outside.body));
      assert.match(outside.body.error.message, /outside the window/);
      // Released: named again, it is refused as changed.
      const again = await release({ predecessorIds: [ids.old1], newcomerIds: [ids.new1] });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'REENROLLMENTS_CHANGED');
    });

    it('bad input is a 400 with a stable code, and nothing is released', async () => {
      const cases: [string, () => Promise<{ status: number; body: any }>, string][] = [
        ['a date that is no date', () => c.admin('GET', '/admin/v1/reenrollments?enrolledAfter=yesterday'), 'INVALID_REQUEST'],
        // Read in the collector's zone it would select other endpoints on another server.
        [
          'a date and time without its zone',
          () => c.admin('GET', '/admin/v1/reenrollments?enrolledAfter=2026-12-01T01:00'),
          'INVALID_REQUEST',
        ],
        [
          'a date and time without its zone, in a release',
          () => release({ predecessorIds: [ids.oldEarly], newcomerIds: [ids.newEarly], enrolledBefore: '2099-12-01T01:00:00' }),
          'INVALID_REQUEST',
        ],
        ['a date in another format', () => c.admin('GET', '/admin/v1/reenrollments?enrolledAfter=12/01/2026'), 'INVALID_REQUEST'],
        [
          'a window that ends before it starts',
          () => c.admin('GET', '/admin/v1/reenrollments?enrolledAfter=2026-12-02&enrolledBefore=2026-12-01'),
          'INVALID_REQUEST',
        ],
        ['a huge limit', () => c.admin('GET', '/admin/v1/reenrollments?limit=100000'), 'INVALID_REQUEST'],
        ['a forged cursor', () => c.admin('GET', '/admin/v1/reenrollments?cursor=abc'), 'INVALID_CURSOR'],
        ['an unknown parameter', () => c.admin('GET', '/admin/v1/reenrollments?all=true'), 'INVALID_REQUEST'],
        ['no ids', () => release({ predecessorIds: [], newcomerIds: [] }), 'INVALID_REQUEST'],
        // The newcomer the admin saw goes with each predecessor: without them, nothing says what was confirmed.
        ['no newcomers', () => release({ predecessorIds: [ids.oldEarly] }), 'INVALID_REQUEST'],
        [
          'too many ids',
          () =>
            release({
              predecessorIds: Array.from({ length: 1001 }, (_, i) => `ep_${i}`),
              newcomerIds: Array.from({ length: 1001 }, (_, i) => `ep_n${i}`),
            }),
          'INVALID_REQUEST',
        ],
        [
          'an id twice',
          () => release({ predecessorIds: [ids.oldEarly, ids.oldEarly], newcomerIds: [ids.newEarly, ids.newEarly] }),
          'INVALID_REQUEST',
        ],
        [
          'a bad date',
          () => release({ predecessorIds: [ids.oldEarly], newcomerIds: [ids.newEarly], enrolledAfter: 'soon' }),
          'INVALID_REQUEST',
        ],
        [
          'an unknown id',
          () => release({ predecessorIds: [ids.oldEarly, 'ep_nowhere'], newcomerIds: [ids.newEarly, 'ep_nobody'] }),
          'UNKNOWN_ENDPOINT',
        ],
        [
          'a newcomer per predecessor, but not as many',
          () => release({ predecessorIds: [ids.oldEarly], newcomerIds: [ids.newEarly, ids.new1] }),
          'INVALID_REQUEST',
        ],
        ['an id that is no string', () => release({ predecessorIds: [1], newcomerIds: [ids.newEarly] }), 'INVALID_REQUEST'],
        ['ids as one string', () => release({ predecessorIds: ids.oldEarly, newcomerIds: [ids.newEarly] }), 'INVALID_REQUEST'],
        ['a body that is an array', () => release([ids.oldEarly]), 'INVALID_REQUEST'],
        ['limit 0', () => c.admin('GET', '/admin/v1/reenrollments?limit=0'), 'INVALID_REQUEST'],
        ['limit -1', () => c.admin('GET', '/admin/v1/reenrollments?limit=-1'), 'INVALID_REQUEST'],
        ['limit 1e9', () => c.admin('GET', '/admin/v1/reenrollments?limit=1e9'), 'INVALID_REQUEST'],
        ['limit twice', () => c.admin('GET', '/admin/v1/reenrollments?limit=1&limit=2'), 'INVALID_REQUEST'],
        ['a window given twice', () => c.admin('GET', '/admin/v1/reenrollments?enrolledAfter=1&enrolledAfter=2'), 'INVALID_REQUEST'],
        [
          'a date past the last one',
          () => c.admin('GET', '/admin/v1/reenrollments?enrolledBefore=99999999999999999999'),
          'INVALID_REQUEST',
        ],
        // new1 was freed: nobody waits on it, so no preview could have listed it.
        [
          'an endpoint that is no predecessor',
          () => release({ predecessorIds: [ids.oldEarly, ids.new1], newcomerIds: [ids.newEarly, ids.new1] }),
          'NOT_A_PREDECESSOR',
        ],
      ];
      for (const [what, call, code] of cases) {
        const answer = await call();
        assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.code, code, what);
      }
      const zoneless = await c.admin('GET', '/admin/v1/reenrollments?enrolledAfter=2026-12-01T01:00');
      assert.match(zoneless.body.error.message, /^enrolledAfter: a date and time needs its time zone: add Z \(UTC\) or \+hh:mm/);
      // A date alone is midnight UTC, a zone is honoured: the same instant, whatever the collector's zone.
      const day = await preview('?enrolledBefore=2099-01-01');
      assert.deepEqual(await preview(`?enrolledBefore=${Date.UTC(2099, 0, 1)}`), day);
      assert.deepEqual(await preview('?enrolledBefore=2099-01-01T05:30:00%2B05:30'), day);
      // The new endpoint's id given for the old one's: said so, naming the endpoint it waits on.
      const newcomer = await release({ predecessorIds: [ids.new4a], newcomerIds: [ids.new4a] });
      assert.equal(newcomer.status, 400, JSON.stringify(newcomer.body));
      assert.equal(newcomer.body.error.code, 'NOT_A_PREDECESSOR');
      assert.equal(
        newcomer.body.error.message,
        `${ids.new4a} is the re-enrolled endpoint; release the one it waits on: ${ids.old4}; nothing was released`,
      );
      assert.equal((await endpoint('old4')).releasedAt, null);
      assert.equal((await endpoint('oldEarly')).releasedAt, null);
      // The newcomer the admin saw, checked: another one is a change (409), and nothing is released.
      const other = await release({ predecessorIds: [ids.oldEarly], newcomerIds: [ids.new1] });
      assert.equal(other.status, 409, JSON.stringify(other.body));
      assert.equal(other.body.error.code, 'REENROLLMENTS_CHANGED');
      assert.match(other.body.error.message, new RegExp(`newcomer is now ${ids.newEarly}, not ${ids.new1}`));
      assert.equal((await endpoint('oldEarly')).releasedAt, null);
    });

    it('owners and admins only: read-only and app-manager keys get 403 for the preview and the release', async () => {
      const key = async (role: string) =>
        (await c.admin('POST', '/admin/v1/api-keys', { name: `reenroll-${role}`, role })).body.key as string;
      for (const role of ['read-only', 'app-manager']) {
        const token = await key(role);
        const peek = await c.admin('GET', '/admin/v1/reenrollments', undefined, { token });
        assert.equal(peek.status, 403, role);
        // The preview is refused too, and the message says so.
        assert.equal(peek.body.error.message, `the ${role} role may not preview or release re-enrolled endpoints`);
        const refused = await release({ predecessorIds: [ids.oldEarly], newcomerIds: [ids.newEarly] }, token);
        assert.equal(refused.status, 403, role);
        assert.equal(refused.body.error.code, 'FORBIDDEN');
      }
      assert.equal((await endpoint('oldEarly')).releasedAt, null);
      const admin = await key('admin');
      assert.equal((await c.admin('GET', '/admin/v1/reenrollments', undefined, { token: admin })).status, 200);
      const done = await release({ predecessorIds: [ids.oldEarly], newcomerIds: [ids.newEarly] }, admin);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual(done.body.released[0].freed, [ids.newEarly]);
      // Logged under the key that asked for the bulk release.
      const logged = await c.admin('GET', `/admin/v1/admin-log?resourceType=endpoint&resourceId=${ids.oldEarly}&action=release`);
      assert.deepEqual(
        logged.body.entries.map((e: any) => e.actor.keyName),
        ['reenroll-admin'],
      );
    });
  });
}

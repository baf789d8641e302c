import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

const SERIAL = 'C02REALDEVICE1';
const WINDOWS = { platform: 'windows' as const, serialNumber: SERIAL };

/**
 * The clone attack: anyone with the enrollment key enrolls a second agent reporting a real
 * device's serial. Before approval existed both became duplicates and the real device lost
 * trust; now the newcomer waits for an admin, and the real device keeps its trust.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`enrollment approval of contested identifiers (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;
    const agents: TestAgent[] = [];
    let real: TestAgent;

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      await csvInventory(c, `serial_number,device_name,platform\n${SERIAL},LAPTOP-REAL,windows\n`);
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
    });
    afterAll(async () => {
      for (const agent of agents) await agent.stop();
      await c.close();
    });

    const start = async (hostname: string, serialNumber = SERIAL): Promise<TestAgent> => {
      const agent = await startTestAgent(c.url, { ...WINDOWS, serialNumber, hostname });
      agents.push(agent);
      return agent;
    };
    const idOf = (agent: TestAgent): string => agent.agent.status().endpointId as string;
    const signIn = async (agent: TestAgent) => {
      const tx = await app.open('ivy');
      await agent.agent.attest(tx);
      return (await app.read(tx)).body as { verdict: string; access: string; reasons: string[] };
    };
    const endpoint = async (agent: TestAgent) => (await c.admin('GET', `/admin/v1/endpoints/${idOf(agent)}`)).body;

    it('the real device is trusted', async () => {
      real = await start('laptop-real');
      const v = await signIn(real);
      assert.deepEqual([v.verdict, v.access], ['trusted', 'allow'], v.reasons.join('\n'));
    });

    it('a clone reporting its serial waits for approval; the real device stays trusted', async () => {
      const clone = await start('clone-1');
      const v = await signIn(clone);
      assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
      assert.match(
        v.reasons.join('\n'),
        new RegExp(`pending approval: this endpoint reports serial number ${SERIAL} \\(held by ${idOf(real)}\\)`),
      );
      const after = await signIn(real);
      assert.deepEqual([after.verdict, after.access], ['trusted', 'allow'], after.reasons.join('\n'));
      assert.doesNotMatch(after.reasons.join('\n'), /reported by 2 enrolled endpoints/);

      const shown = await endpoint(clone);
      assert.equal(shown.approval, 'pending');
      assert.equal(shown.trusted, false);
      assert.deepEqual(shown.approvalClaims, [{ kind: 'serialNumber', value: SERIAL, heldBy: [idOf(real)] }]);
      assert.equal((await endpoint(real)).approval, null);

      const pending = (await c.admin('GET', '/admin/v1/endpoints?approval=pending')).body.endpoints;
      assert.deepEqual(
        pending.map((e: { id: string }) => e.id),
        [idOf(clone)],
      );
      const { findings } = (await c.admin('GET', '/admin/v1/findings')).body;
      const types = findings.map((f: { type: string }) => f.type);
      assert.ok(types.includes('endpoint-pending-approval'), types.join(', '));
      assert.ok(!types.includes('duplicate-endpoint-identifier'), types.join(', '));
    });

    it('denying the clone blocks it and leaves the real device trusted', async () => {
      const clone = agents[1] as TestAgent;
      const denied = await c.admin('POST', `/admin/v1/endpoints/${idOf(clone)}/deny`);
      assert.equal(denied.status, 200, JSON.stringify(denied.body));
      assert.deepEqual([denied.body.approval, denied.body.blocked], ['denied', true]);
      assert.equal((await signIn(clone)).access, 'deny');
      assert.equal((await signIn(real)).verdict, 'trusted');
      // Only a pending endpoint can be decided; a decided one answers 409, an unknown one 404.
      const again = await c.admin('POST', `/admin/v1/endpoints/${idOf(clone)}/approve`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'NOT_PENDING_APPROVAL');
      assert.equal((await c.admin('POST', '/admin/v1/endpoints/ep_nope/deny')).status, 404);
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${idOf(real)}/approve`)).status, 409);
    });

    it('only owners and admins decide approvals', async () => {
      const second = await start('clone-2');
      for (const role of ['read-only', 'app-manager']) {
        const created = await c.admin('POST', '/admin/v1/api-keys', { name: `${role} key`, role });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const refused = await c.admin('POST', `/admin/v1/endpoints/${idOf(second)}/approve`, undefined, { token: created.body.key });
        assert.equal(refused.status, 403);
      }
      assert.equal((await endpoint(second)).approval, 'pending');
    });

    it('approving a newcomer makes the pair duplicates: both flagged, neither trusted', async () => {
      const second = agents[2] as TestAgent;
      const approved = await c.admin('POST', `/admin/v1/endpoints/${idOf(second)}/approve`);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.approval, 'approved');
      for (const agent of [real, second]) {
        const v = await signIn(agent);
        assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
        assert.match(v.reasons.join('\n'), new RegExp(`serial number ${SERIAL} is reported by 2 enrolled endpoints`));
      }
      const dupe = (await c.admin('GET', '/admin/v1/findings')).body.findings.find(
        (f: { type: string }) => f.type === 'duplicate-endpoint-identifier',
      );
      assert.deepEqual([...dupe.endpointIds].sort(), [idOf(real), idOf(second)].sort());
    });

    it('blocking one of the duplicates restores the other at once', async () => {
      const second = agents[2] as TestAgent;
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${idOf(second)}/block`)).status, 200);
      const v = await signIn(real);
      assert.deepEqual([v.verdict, v.access], ['trusted', 'allow'], v.reasons.join('\n'));
      assert.equal((await endpoint(real)).trusted, true);
      const types = (await c.admin('GET', '/admin/v1/findings')).body.findings.map((f: { type: string }) => f.type);
      assert.ok(!types.includes('duplicate-endpoint-identifier'), types.join(', '));
    });

    it('an approved endpoint that later claims another held identifier waits again', async () => {
      const second = agents[2] as TestAgent;
      assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${idOf(second)}/block`)).status, 200);
      const other = await start('laptop-other', 'OTHER-SERIAL-1');
      assert.equal((await endpoint(other)).approval, null);
      second.setIdentity({ ...WINDOWS, hostname: 'clone-2', machineGuid: '6d2c1e0a-4f2b-4b8e-9c1d-2a3b4c5d6e7f' });
      await second.agent.reportNow();
      assert.equal((await endpoint(second)).approval, 'approved', 'a new, uncontested identifier needs no approval');
      second.setIdentity({ platform: 'windows', serialNumber: 'OTHER-SERIAL-1', hostname: 'clone-2' });
      await second.agent.reportNow();
      const shown = await endpoint(second);
      assert.equal(shown.approval, 'pending');
      assert.deepEqual(shown.approvalClaims, [{ kind: 'serialNumber', value: 'OTHERSERIAL1', heldBy: [idOf(other)] }]);
    });
  });
}

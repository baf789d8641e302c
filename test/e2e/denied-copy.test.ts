import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

const SERIAL = 'C02DENIEDCOPY1';
const UUID = '7a1c2e3f-0000-4b5c-8d9e-0f1a2b3c4d5e';
const LAPTOP = { platform: 'macos' as const, serialNumber: SERIAL, hardwareUuid: UUID };

/**
 * A denied copy of a laptop (same hardware UUID and serial) and the laptop itself: the reasons
 * each shows must agree. The copy's claims never count, so the laptop stays trusted through its
 * identifiers; the copy's reasons once said those identifiers were "reported by 2 enrolled
 * endpoints; not used to trust any of them" and that no record matched, both false beside the
 * laptop's trusted match. And a denied endpoint holds nothing a release could free.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`a denied or blocked copy and the device it copies (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;
    const agents: TestAgent[] = [];
    let realId: string;
    let copyId: string;

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      await csvInventory(c, `serial_number,device_name,platform\n${SERIAL},LAPTOP-12,macos\n`);
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
      const real = await startTestAgent(c.url, { ...LAPTOP, hostname: 'LAPTOP-12' });
      const copy = await startTestAgent(c.url, { ...LAPTOP, hostname: 'LAPTOP-12-COPY' });
      agents.push(real, copy);
      realId = real.agent.status().endpointId as string;
      copyId = copy.agent.status().endpointId as string;
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${copyId}/deny`)).status, 200);
    });
    afterAll(async () => {
      for (const agent of agents) await agent.stop();
      await c?.close();
    });

    const signIn = async (agent: TestAgent) => {
      const tx = await app.open('ivy');
      await agent.agent.attest(tx);
      return (await app.read(tx)).body as { verdict: string; access: string; reasons: string[] };
    };
    const shown = async (id: string) => (await c.admin('GET', `/admin/v1/endpoints/${id}`)).body;

    it('the real device is trusted through the identifiers the denied copy reports, and says nothing of the copy', async () => {
      const v = await signIn(agents[0] as TestAgent);
      assert.deepEqual([v.verdict, v.access], ['trusted', 'allow'], v.reasons.join('\n'));
      const real = await shown(realId);
      assert.equal(real.trusted, true);
      assert.match(real.matchReasons[0], new RegExp(`^trusted: serial number ${SERIAL} matches record "LAPTOP-12"`));
      assert.deepEqual(real.flags, []);
    });

    it("the copy's reasons say it was denied and name the holder: no duplicate, no record said to be missing", async () => {
      const denied = new RegExp(
        `^untrusted: an administrator denied this endpoint, which reported hardware UUID \\S+ \\(held by ${realId}\\); serial number ${SERIAL} \\(held by ${realId}\\) when it enrolled; what it reports is not used to trust it`,
      );
      const v = await signIn(agents[1] as TestAgent);
      assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
      const copy = await shown(copyId);
      for (const reasons of [v.reasons, copy.matchReasons, copy.lastVerdict.reasons] as string[][]) {
        assert.ok(
          reasons.some((r) => denied.test(r)),
          reasons.join('\n'),
        );
        assert.doesNotMatch(reasons.join('\n'), /reported by \d+ enrolled endpoints|no record in .* matches/);
      }
      assert.deepEqual(copy.flags, []);
      // Nor does any finding call the pair duplicates.
      const types = (await c.admin('GET', '/admin/v1/findings')).body.findings.map((f: { type: string }) => f.type);
      assert.ok(!types.includes('duplicate-endpoint-identifier'), types.join(', '));
    });

    it('releasing the denied copy is refused (409 ENDPOINT_DENIED): it holds nothing, and stays denied, not released', async () => {
      const refused = await c.admin('POST', `/admin/v1/endpoints/${copyId}/release`);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'ENDPOINT_DENIED');
      const copy = await shown(copyId);
      assert.deepEqual([copy.approval, copy.blocked, copy.releasedAt], ['denied', true, null]);
      // Nothing logged for a release that did not happen.
      const log = (await c.admin('GET', `/admin/v1/admin-log?resourceId=${copyId}`)).body.entries as { action: string }[];
      assert.deepEqual(
        log.map((e) => e.action),
        ['deny'],
      );
      assert.equal((await shown(realId)).trusted, true);
    });

    it('an approved copy, blocked, says the real device is not affected, and is not counted as its duplicate', async () => {
      const copy = await startTestAgent(c.url, { ...LAPTOP, hostname: 'LAPTOP-12-VM' });
      agents.push(copy);
      const id = copy.agent.status().endpointId as string;
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${id}/approve`)).status, 200);
      assert.equal((await shown(realId)).trusted, false, 'approved, the pair are duplicates');
      assert.equal((await c.admin('POST', `/admin/v1/endpoints/${id}/block`)).status, 200);
      assert.equal((await shown(realId)).trusted, true, 'blocked, the copy no longer counts');
      const v = await signIn(copy);
      assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
      const blocked = await shown(id);
      for (const reasons of [v.reasons, blocked.matchReasons] as string[][]) {
        const text = reasons.join('\n');
        assert.match(
          text,
          new RegExp(
            `serial number ${SERIAL} is also reported by another enrolled endpoint; this endpoint is blocked, so it does not count against it`,
          ),
        );
        assert.doesNotMatch(text, /not used to trust any of them|no record in .* matches/);
      }
      assert.deepEqual(blocked.flags, []);
    });
  });
}

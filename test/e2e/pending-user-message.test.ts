import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { standingText } from '@devtrust/agent/cli';
import { toStatusView } from '@devtrust/agent/main/status-view';
import { PENDING_APPROVAL_REASON } from '@devtrust/collector/domain/verdict';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';

/** What the README tells admins for a re-imaged device (release the old endpoint), as the user is told to ask for it. */
const ASK_IT =
  /^This device waits for your IT team: another enrolled endpoint holds the identifiers it reports\. If this device was re-imaged or its agent reinstalled, ask them to release the old endpoint; if it is another device, to approve or deny this one$/;

/**
 * A device whose new key waits for approval (it reports identifiers an enrolled endpoint holds).
 * Its user once read "this endpoint awaits an administrator's approval" (and, in the tray under
 * an application's default "summary", only "denied: policy require-trusted and the device is not
 * trusted"), while the README tells admins not to approve a re-imaged laptop's new key but to
 * release the old one. The tray, its status window and `devtrust-agent --once` now tell the
 * user what to ask IT for.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`a pending device tells its user what to ask IT for (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;
    const agents: TestAgent[] = [];
    let pending: TestAgent;

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      await csvInventory(c, 'serial_number,device_name,platform\nSER-REIMAGED,laptop,linux\n');
      // The default disclosure: the application and its users see the short reason only.
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Summary app', 'summary');
      const identity = { platform: 'linux' as const, hostname: 'laptop', serialNumber: 'SER-REIMAGED' };
      agents.push(await startTestAgent(c.url, identity));
      pending = await startTestAgent(c.url, identity);
      agents.push(pending);
      const id = pending.agent.status().endpointId as string;
      assert.equal((await c.admin('GET', `/admin/v1/endpoints/${id}`)).body.approval, 'pending');
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await c?.close();
    });

    it('the tray says it waits for IT and what to ask them for, even under a "summary" application', async () => {
      const tx = await app.open('ivy');
      const verdict = await pending.agent.attest(tx);
      assert.deepEqual([verdict.verdict, verdict.access], ['untrusted', 'deny']);
      const view = toStatusView(pending.agent.status(), { managed: {}, version: '0.0.0' });
      assert.equal(view.state, 'attention');
      assert.match(view.detail ?? '', ASK_IT);
      // The status window lists the same words; nothing names the other endpoint or the serial.
      assert.deepEqual(view.verdict?.reasons, ['denied: policy require-trusted and the device is not trusted', PENDING_APPROVAL_REASON]);
      assert.doesNotMatch(JSON.stringify(view.verdict), /SERREIMAGED|ep_/);
    });

    it('devtrust-agent --once says the same', async () => {
      const answer = await pending.agent.runOnce();
      const text = standingText(answer);
      assert.match(text, /^ {2}- untrusted: this device waits for your IT team: .* ask them to release the old endpoint;/m);
      assert.doesNotMatch(text, /awaits an administrator's approval/);
      // Its own claims are listed, but not the endpoint holding them (a reviewer's finding: a copy
      // learned the real device's endpoint id this way).
      const holder = agents[0]?.agent.status().endpointId as string;
      assert.ok('standing' in answer, JSON.stringify(answer));
      const reasons = answer.standing.reasons;
      assert.ok(
        reasons.some((r) => r.includes('held by another endpoint')),
        JSON.stringify(reasons),
      );
      assert.ok(!JSON.stringify(answer).includes(holder), JSON.stringify(reasons));
    });
  });
}

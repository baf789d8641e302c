import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeUnless } from '../support/skip.js';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import {
  BROWSER_SKIP,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
  shownClaims,
  startExampleApp,
  type ExampleApp,
} from './prompt/harness.js';

/**
 * What applications and end users learn of a verdict (reasonDetail): by default a short reason
 * and a reference, never an integration's name, a record's name, a serial number or a disabled
 * integration; admins find every reason in the auth log under that reference.
 */

const INVENTORY =
  'serial_number,hardware_uuid,device_name,platform\nPF2SECRET9,4C4C4544-0042-3510-8052-B4C04F4E4D99,LAPTOP-CAROL,windows\n';
const CAROL: DeviceIdentity & { serialNumber: string } = {
  platform: 'windows',
  serialNumber: 'PF2SECRET9',
  hostname: 'LAPTOP-CAROL',
  osVersion: '10.0.22631',
};
const STRANGER: DeviceIdentity & { serialNumber: string } = {
  platform: 'windows',
  serialNumber: 'SN-STRANGER-77',
  hostname: 'STRANGER-PC',
};
const INTEGRATION = 'Acme Corporate Laptops';
const DISABLED = 'Legacy Pilot MDM';

/** Every piece of inventory or device detail an application or a user must not see in summary mode. */
const SECRETS = [INTEGRATION, DISABLED, 'PF2SECRET9', 'LAPTOP-CAROL', 'SN-STRANGER-77', 'STRANGER-PC', '4C4C4544', 'csv'];
function assertNoLeak(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows "${secret}": ${text}`);
}

async function setUp(c: TestCollector): Promise<void> {
  await csvInventory(c, INVENTORY, { name: INTEGRATION, platforms: ['windows', 'macos'] });
  // A second, disabled integration: full reasons name it ("not applied: the integration is disabled").
  await csvInventory(c, INVENTORY, { name: DISABLED, platforms: ['windows'], activation: { mode: 'disabled' } });
}

for (const db of DATABASES)
  describeUnless(db.skip)(`reason detail through the transaction API (${db.name})`, () => {
    let c: CollectorOnDatabase;
    let summary: TestApp;
    let full: TestApp;
    const agents: TestAgent[] = [];

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
      await setUp(c);
      // Created without reasonDetail: the default is the summary.
      const created = await c.admin('POST', '/admin/v1/applications', {
        name: 'Summary app',
        redirectUris: ['https://summary.example/cb'],
        policy: { trustedEndpoints: 'require-trusted' },
      });
      assert.equal(created.body.reasonDetail, 'summary');
      summary = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Summary app 2', 'summary');
      full = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Full app', 'full');
    });
    afterAll(async () => {
      for (const agent of agents) await agent.stop();
      await c?.close();
    });

    /** One agent per device: a second enrollment reporting the same serial would wait for approval. */
    const byDevice = new Map<string, TestAgent>();
    async function attest(identity: DeviceIdentity & { serialNumber: string }, app: TestApp): Promise<any> {
      let agent = byDevice.get(identity.serialNumber);
      if (!agent) {
        agent = await startTestAgent(c.url, identity);
        agents.push(agent);
        byDevice.set(identity.serialNumber, agent);
      }
      const tx = await app.open('carol@example.com');
      await agent.agent.attest(tx);
      return (await app.read(tx)).body;
    }

    it('a trusted device: the summary app gets the short reason and a reference, the full app every pair', async () => {
      const shown = await attest(CAROL, summary);
      assert.deepEqual([shown.verdict, shown.access], ['trusted', 'allow']);
      assert.deepEqual(shown.reasons, ['allowed: trusted device']);
      assert.equal(shown.reference, shown.id);
      assertNoLeak(JSON.stringify(shown), 'the transaction API (summary)');

      const everything = await attest(CAROL, full);
      assert.match(everything.reasons.join('\n'), new RegExp(`matches record "LAPTOP-CAROL" of integration "${INTEGRATION}"`));
      assert.match(everything.reasons.join('\n'), new RegExp(`"${DISABLED}" \\(csv\\) not applied: the integration is disabled`));
    });

    it('a denied device: the summary says why in policy words only; the auth log finds every reason by the reference', async () => {
      const shown = await attest(STRANGER, summary);
      assert.deepEqual([shown.verdict, shown.access], ['untrusted', 'deny']);
      assert.deepEqual(shown.reasons, ['denied: policy require-trusted and the device is not trusted']);
      assertNoLeak(JSON.stringify(shown), 'the transaction API (summary)');
      // The user's own agent (the tray) is told no more than the application.
      const told = byDevice.get(STRANGER.serialNumber)?.agent.status().lastVerdict;
      assert.deepEqual(told?.reasons, shown.reasons);

      const log = await c.admin('GET', `/admin/v1/auth-log?reference=${shown.reference}`);
      assert.equal(log.status, 200);
      assert.equal(log.body.entries.length, 1);
      const [entry] = log.body.entries;
      assert.equal(entry.transactionId, shown.reference);
      assert.match(entry.reasons.join('\n'), new RegExp(`no record in "${INTEGRATION}" \\(csv\\) matches`));
      assert.match(entry.reasons.join('\n'), new RegExp(DISABLED));
      // A reference that is no sign-in finds nothing; a bad one is refused.
      assert.deepEqual((await c.admin('GET', '/admin/v1/auth-log?reference=tx_nothing')).body.entries, []);
      assert.equal((await c.admin('GET', `/admin/v1/auth-log?reference=${'x'.repeat(65)}`)).status, 400);
    });

    it('a failed health check names the rules that failed, not who reported what', async () => {
      const strictHealth = await createTestApp(
        c,
        { trustedEndpoints: 'require-trusted', requireFirewall: true, minOsVersion: { windows: '10.0.99999' } },
        'Health app',
        'summary',
      );
      const shown = await attest(CAROL, strictHealth);
      assert.equal(shown.access, 'deny');
      assert.deepEqual(shown.reasons, ['denied: the device fails a required health check (requireFirewall, minOsVersion)']);
      assertNoLeak(JSON.stringify(shown), 'the transaction API (health)');
    });

    it('switching an application to full (and back) takes effect on the next read', async () => {
      const tx = (await attest(STRANGER, summary)).id as string;
      assert.equal((await summary.read(tx)).body.reasons.length, 1);
      assert.equal((await c.admin('PATCH', `/admin/v1/applications/${summary.id}`, { reasonDetail: 'full' })).status, 200);
      assert.ok((await summary.read(tx)).body.reasons.length > 3);
      assert.equal((await c.admin('PATCH', `/admin/v1/applications/${summary.id}`, { reasonDetail: 'summary' })).status, 200);
      assert.equal((await summary.read(tx)).body.reasons.length, 1);
      const bad = await c.admin('PATCH', `/admin/v1/applications/${summary.id}`, { reasonDetail: 'everything' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, 'reasonDetail');
    });
  });

describeUnless(BROWSER_SKIP)('reason detail in the ID token and on the denial page (Chromium)', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let payroll: ExampleApp;
  let helpdesk: ExampleApp;

  beforeAll(async () => {
    const doorPort = await freePort();
    c = await startTestCollector({ prompt: { loopbackPorts: [doorPort] }, env: { DEVTRUST_ORG_NAME: 'Example Corp' } });
    await setUp(c);
    agent = await startTestAgent(c.url, CAROL, { loopback: true, loopbackPort: doorPort });
    payroll = await startExampleApp(c, 'Payroll', { trustedEndpoints: 'require-trusted' });
    helpdesk = await startExampleApp(c, 'Helpdesk', { trustedEndpoints: 'require-trusted' });
    const apps = (await c.admin('GET', '/admin/v1/applications')).body.applications;
    const helpdeskId = apps.find((a: any) => a.name === 'Helpdesk').id;
    assert.equal((await c.admin('PATCH', `/admin/v1/applications/${helpdeskId}`, { reasonDetail: 'full' })).status, 200);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await payroll?.close();
    await helpdesk?.close();
    await agent?.stop();
    await c?.stop();
  });

  it('the verified ID token carries the short reason and a reference, not the matched record', async () => {
    agent.setIdentity(CAROL);
    const page = await newPage(browser);
    await page.goto(`${payroll.url}/?user=carol@example.com`);
    await page.waitForSelector('#signed-in');
    const claims = await shownClaims(page);
    assert.equal(claims.sub, 'carol@example.com');
    assert.deepEqual(claims.device_trust.reasons, ['allowed: trusted device']);
    assert.equal(claims.device_trust.reference, claims.device_trust.transactionId);
    assertNoLeak(JSON.stringify(claims), 'the ID token');
    // The admin sees the whole of it under that reference.
    const log = await c.admin('GET', `/admin/v1/auth-log?reference=${claims.device_trust.reference}`);
    assert.match(log.body.entries[0].reasons.join('\n'), /matches record "LAPTOP-CAROL"/);
    await page.context().close();
  });

  it('the denial page and the redirect back say why and give the reference, naming no integration or serial', async () => {
    agent.setIdentity(STRANGER);
    const page = await newPage(browser);
    await page.goto(`${payroll.url}/?user=carol@example.com`);
    await page.waitForSelector('[data-panel="denied"]:not([hidden])');
    await page.click('summary:has-text("Details for your IT team")');
    const panel = (await page.textContent('[data-panel="denied"]')) ?? '';
    assert.match(panel, /Policy require-trusted and the device is not trusted/);
    assert.match(panel, /Reference: tx_/);
    assertNoLeak(panel, 'the denial page');
    await screenshot(page, 'reason-detail-denied-summary');
    const reference = /Reference: (tx_[\w-]+)/.exec(panel)?.[1] as string;

    await page.click('text=Return to Payroll');
    await page.waitForSelector('#denied');
    const description = new URL(page.url()).searchParams.get('error_description') ?? '';
    assert.equal(description, `denied: policy require-trusted and the device is not trusted (reference ${reference})`);
    const log = await c.admin('GET', `/admin/v1/auth-log?reference=${reference}`);
    assert.match(log.body.entries[0].reasons.join('\n'), new RegExp(`no record in "${INTEGRATION}"`));
    await page.context().close();
  });

  it('an application set to full shows its users every reason', async () => {
    agent.setIdentity(STRANGER);
    const page = await newPage(browser);
    await page.goto(`${helpdesk.url}/?user=carol@example.com`);
    await page.waitForSelector('[data-panel="denied"]:not([hidden])');
    await page.click('summary:has-text("Details for your IT team")');
    const panel = (await page.textContent('[data-panel="denied"]')) ?? '';
    assert.match(panel, new RegExp(`no record in "${INTEGRATION}" \\(csv\\) matches`));
    await screenshot(page, 'reason-detail-denied-full');
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import type { Browser } from 'playwright-core';
import { csvInventory } from '../../support/app.js';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../../support/collector-on.js';
import { DATABASES } from '../../support/postgres.js';
import {
  ALICE_LAPTOP,
  BROWSER_SKIP,
  INVENTORY_CSV,
  STRANGER,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
  shownClaims,
  startExampleApp,
  type ExampleApp,
} from './harness.js';

for (const db of DATABASES)
  describeUnless(BROWSER_SKIP || db.skip)(`the browser prompt with an agent on this device (Chromium, ${db.name})`, () => {
    let c: CollectorOnDatabase;
    let agent: TestAgent;
    let browser: Browser;
    let payroll: ExampleApp;
    const shot = (name: string) => (db.name === 'sqlite' ? name : `${name}-${db.name}`);

    beforeAll(async () => {
      // The agent's door must be on a port the page tries: reserve one, tell the collector.
      const doorPort = await freePort();
      c = await collectorOn(db.name, { prompt: { loopbackPorts: [doorPort] }, env: { DEVTRUST_ORG_NAME: 'Example Corp' } });
      await csvInventory(c, INVENTORY_CSV);
      agent = await startTestAgent(c.url, ALICE_LAPTOP, { loopback: true, loopbackPort: doorPort });
      payroll = await startExampleApp(c, 'Payroll', { trustedEndpoints: 'require-trusted' });
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await payroll?.close();
      await agent?.stop();
      await c?.close();
    });

    it('a trusted device signs in, and the verified ID token carries device_trust', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const page = await newPage(browser);
      // Hold the attestation until the "checking" state is on screen, for its screenshot.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/v1/attest', async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(`${payroll.url}/?user=Alice@Example.com`);
      await page.waitForSelector('text=Found the DevTrust agent');
      assert.match((await page.title()) ?? '', /Checking your device for Payroll · Example Corp/);
      await screenshot(page, shot('1-checking'));
      release();
      await page.waitForSelector('#signed-in');
      await screenshot(page, shot('2-app-signed-in'));

      const claims = await shownClaims(page);
      assert.equal(claims.sub, 'alice@example.com');
      assert.equal(claims.iss, c.url);
      assert.equal(claims.aud, payroll.clientId);
      assert.equal(claims.device_trust.verdict, 'trusted');
      assert.equal(claims.device_trust.access, 'allow');
      assert.equal(claims.device_trust.assurance, 'identifiers', 'how the device was identified');
      assert.equal(claims.device_trust.endpointId, agent.agent.status().endpointId);
      // reasonDetail "summary" (the default): the short reason and the reference, not the matched record.
      assert.deepEqual(claims.device_trust.reasons, ['allowed: trusted device']);
      assert.equal(claims.device_trust.reference, claims.device_trust.transactionId);
      // The collector's own record of the sign-in agrees with the token.
      const log = await c.admin('GET', '/admin/v1/auth-log?user=alice@example.com');
      assert.ok(log.body.entries.some((e: any) => e.transactionId === claims.device_trust.transactionId && e.verdict === 'trusted'));
      await page.context().close();
    });

    it('an untrusted device under require-trusted is denied, with the reason on the page and in the redirect', async () => {
      agent.setIdentity(STRANGER);
      const page = await newPage(browser);
      await page.goto(`${payroll.url}/?user=alice@example.com`);
      await page.waitForSelector('[data-panel="denied"]:not([hidden])');
      assert.match((await page.textContent('#denied-reason')) ?? '', /require-trusted and the device is not trusted/);
      assert.match((await page.textContent('#status')) ?? '', /Access denied/);
      assert.equal(await page.textContent('#title'), 'Access denied');
      // Focus moved to the new heading, so a screen reader announces it.
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'title');
      await screenshot(page, shot('3-denied'));

      await page.click('text=Return to Payroll');
      await page.waitForSelector('#denied');
      assert.equal(new URL(page.url()).pathname, '/callback');
      assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
      assert.match((await page.textContent('#reason')) ?? '', /require-trusted and the device is not trusted/);
      await screenshot(page, shot('4-app-denied'));
      await page.context().close();
    });

    it('every sign-in checks the device again: an earlier session does not vouch for it', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const page = await newPage(browser);
      await page.goto(`${payroll.url}/?user=alice@example.com`);
      await page.waitForSelector('#signed-in');
      agent.setIdentity(STRANGER);
      await page.goto(`${payroll.url}/?user=alice@example.com`);
      await page.waitForSelector('[data-panel="denied"]:not([hidden])');
      await page.context().close();
    });

    it('the page keeps to its CSP: no violations, no third-party requests', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const page = await newPage(browser);
      const violations: string[] = [];
      const hosts = new Set<string>();
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      page.on('request', (r) => hosts.add(new URL(r.url()).hostname));
      const promptCsp: string[] = [];
      page.on('response', (r) => {
        if (new URL(r.url()).pathname.startsWith('/oidc/interaction/')) promptCsp.push(r.headers()['content-security-policy'] ?? '');
      });
      await page.goto(`${payroll.url}/?user=alice@example.com`);
      await page.waitForSelector('#signed-in');
      assert.deepEqual(violations, []);
      assert.deepEqual([...hosts], ['127.0.0.1']);
      assert.match(promptCsp[0] ?? '', /frame-ancestors 'none'/);
      assert.match(promptCsp[0] ?? '', /script-src 'nonce-[^']+'/);
      assert.doesNotMatch(promptCsp[0] ?? '', /unsafe-inline/);
      await page.context().close();
    });
  });

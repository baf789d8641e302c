import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
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
  screenshot,
  shownClaims,
  startExampleApp,
  type ExampleApp,
} from './harness.js';

/**
 * Two people signing in one after the other in one browser (a shared kiosk, a newcomer
 * testing as two users): the provider session the first sign-in left behind must neither
 * stop the second (oidc-provider turns an account switch into a logout page DevTrust does
 * not serve) nor leak into its ID token.
 */
for (const db of DATABASES)
  describeUnless(BROWSER_SKIP || db.skip)(`a second user signing in in the same browser (Chromium, ${db.name})`, () => {
    let c: CollectorOnDatabase;
    let agent: TestAgent;
    let browser: Browser;
    let payroll: ExampleApp;
    let timesheets: ExampleApp;
    const shot = (name: string) => (db.name === 'sqlite' ? name : `${name}-${db.name}`);

    beforeAll(async () => {
      const doorPort = await freePort();
      c = await collectorOn(db.name, { prompt: { loopbackPorts: [doorPort] }, env: { DEVTRUST_ORG_NAME: 'Example Corp' } });
      await csvInventory(c, INVENTORY_CSV);
      agent = await startTestAgent(c.url, ALICE_LAPTOP, { loopback: true, loopbackPort: doorPort });
      payroll = await startExampleApp(c, 'Payroll', { trustedEndpoints: 'require-trusted' });
      // A second application the browser knows under another host name, so the two example
      // apps' own sign-in cookies do not overwrite each other (the provider's are shared).
      timesheets = await startExampleApp(c, 'Timesheets', { trustedEndpoints: 'require-trusted' }, { host: 'localhost' });
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await payroll?.close();
      await timesheets?.close();
      await agent?.stop();
      await c?.close();
    });

    /** One browser profile for both people: the provider's session cookie is shared. */
    async function sharedBrowser(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
      return { context, page: await context.newPage() };
    }

    /** The collector's record of one transaction, as the admin API returns it. */
    async function logged(user: string, transactionId: string): Promise<Record<string, any>> {
      const log = await c.admin('GET', `/admin/v1/auth-log?user=${encodeURIComponent(user)}`);
      const entry = (log.body.entries as Record<string, any>[]).find((e) => e.transactionId === transactionId);
      assert.ok(entry, `the auth log has ${user}'s transaction ${transactionId}`);
      return entry;
    }

    /** Where a sign-in ends: the application's callback (signed in or denied), or wherever the provider left the browser. */
    async function endOfSignIn(page: Page, name: string, app: ExampleApp = payroll): Promise<URL> {
      await page.waitForSelector('#signed-in, #denied, body:has-text("NOT_FOUND")');
      await screenshot(page, shot(name));
      const url = new URL(page.url());
      assert.equal(`${url.origin}${url.pathname}`, `${app.url}/callback`, `the sign-in ends at the application, not at ${page.url()}`);
      return url;
    }

    it('user B signs in after user A and gets an ID token for B with B’s own verdict', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const { context, page } = await sharedBrowser();
      await page.goto(`${payroll.url}/?user=erin@example.com`);
      await page.waitForSelector('#signed-in');
      const erin = await shownClaims(page);
      assert.equal(erin.sub, 'erin@example.com');
      const erinSession = (await context.cookies(c.url)).find((cookie) => cookie.name === 'dt_session');
      assert.ok(erinSession, 'erin’s sign-in left a provider session in this browser');

      await page.goto(`${payroll.url}/?user=frank@example.com`);
      await endOfSignIn(page, 'switch-1-second-user');
      const frank = await shownClaims(page);
      assert.equal(frank.sub, 'frank@example.com');
      assert.equal(frank.aud, payroll.clientId);

      // B's verdict is B's transaction, as the collector recorded it; nothing of A's.
      assert.notEqual(frank.device_trust.transactionId, erin.device_trust.transactionId);
      const record = await logged('frank@example.com', frank.device_trust.transactionId);
      assert.equal(frank.device_trust.verdict, record.verdict);
      assert.equal(frank.device_trust.access, record.access);
      assert.equal(frank.device_trust.access, 'allow');
      // A's provider session ended: the browser now holds another one, and A's is gone, so
      // putting A's cookie back does not bring A's sign-in back.
      const frankSession = (await context.cookies(c.url)).find((cookie) => cookie.name === 'dt_session');
      assert.ok(frankSession);
      assert.notEqual(frankSession.value, erinSession.value);
      assert.equal(await c.services.oidc.findPayload('Session', { id: erinSession.value }), null, 'erin’s session is gone');
      assert.ok(await c.services.oidc.findPayload('Session', { id: frankSession.value }), 'frank’s is stored');
      const replay = await fetch(`${c.url}/oidc/session/end`, { redirect: 'manual' });
      assert.equal(replay.status, 404, 'there is no logout endpoint to abuse');
      await context.close();
    });

    it('a denied second user reaches the application with access_denied, and the first user’s session does not sign them in', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const { context, page } = await sharedBrowser();
      await page.goto(`${payroll.url}/?user=erin@example.com`);
      await page.waitForSelector('#signed-in');

      agent.setIdentity(STRANGER);
      await page.goto(`${payroll.url}/?user=frank@example.com`);
      await page.waitForSelector('[data-panel="denied"]:not([hidden])');
      await page.click('text=Return to Payroll');
      await page.waitForSelector('#denied');
      const url = new URL(page.url());
      assert.equal(url.pathname, '/callback');
      assert.equal(url.searchParams.get('error'), 'access_denied');
      await screenshot(page, shot('switch-2-second-user-denied'));

      // And the browser is not left holding erin's sign-in: the next person is checked afresh.
      agent.setIdentity(ALICE_LAPTOP);
      await page.goto(`${payroll.url}/?user=grace@example.com`);
      await endOfSignIn(page, 'switch-3-after-denial');
      const grace = await shownClaims(page);
      assert.equal(grace.sub, 'grace@example.com');
      assert.equal(grace.device_trust.access, (await logged('grace@example.com', grace.device_trust.transactionId)).access);
      await context.close();
    });

    it('the same user twice still signs in, each time with a fresh check', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const { context, page } = await sharedBrowser();
      await page.goto(`${payroll.url}/?user=erin@example.com`);
      await page.waitForSelector('#signed-in');
      const first = await shownClaims(page);
      await page.goto(`${payroll.url}/?user=erin@example.com`);
      await page.waitForSelector('#signed-in');
      const second = await shownClaims(page);
      assert.equal(second.sub, 'erin@example.com');
      assert.notEqual(second.device_trust.transactionId, first.device_trust.transactionId);
      await context.close();
    });

    it('two people in two tabs of one browser both end at the application, each with their own token', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const { context, page: first } = await sharedBrowser();
      // Both checks start before either finishes; erin's finishes first, so frank's finishes
      // while the browser holds erin's fresh session.
      const second = await context.newPage();
      const gates: (() => void)[] = [];
      for (const page of [first, second]) {
        const opened = new Promise<void>((resolve) => gates.push(resolve));
        await page.route('**/v1/attest', async (route) => {
          await opened;
          await route.continue();
        });
      }
      await first.goto(`${payroll.url}/?user=erin@example.com`);
      await second.goto(`${timesheets.url}/?user=frank@example.com`);
      await first.waitForSelector('text=Found the DevTrust agent');
      await second.waitForSelector('text=Found the DevTrust agent');
      gates[0]!();
      await endOfSignIn(first, 'switch-4-tab-one');
      await second.bringToFront();
      gates[1]!();
      await endOfSignIn(second, 'switch-5-tab-two', timesheets);
      const [erin, frank] = [await shownClaims(first), await shownClaims(second)];
      assert.equal(erin.sub, 'erin@example.com');
      assert.equal(frank.sub, 'frank@example.com');
      assert.equal(frank.device_trust.access, (await logged('frank@example.com', frank.device_trust.transactionId)).access);
      assert.notEqual(frank.device_trust.transactionId, erin.device_trust.transactionId);
      await context.close();
    });

    it('a tab started under a session another tab has since ended says so, and signing in again works', async () => {
      agent.setIdentity(ALICE_LAPTOP);
      const { context, page: first } = await sharedBrowser();
      await first.goto(`${payroll.url}/?user=grace@example.com`);
      await endOfSignIn(first, 'switch-6-before-tabs');
      // Both checks start under grace's session; erin's finish ends it, which voids frank's
      // interaction (the provider ties an interaction to the session it started under).
      const second = await context.newPage();
      const gates: (() => void)[] = [];
      for (const page of [first, second]) {
        const opened = new Promise<void>((resolve) => gates.push(resolve));
        await page.route('**/v1/attest', async (route) => {
          await opened;
          await route.continue();
        });
      }
      await first.goto(`${payroll.url}/?user=erin@example.com`);
      await second.goto(`${timesheets.url}/?user=frank@example.com`);
      await first.waitForSelector('text=Found the DevTrust agent');
      await second.waitForSelector('text=Found the DevTrust agent');
      gates[0]!();
      await endOfSignIn(first, 'switch-7-tab-one');
      await second.bringToFront();
      gates[1]!();
      await second.waitForSelector('text=This sign-in is no longer valid');
      await screenshot(second, shot('switch-8-tab-two-voided'));

      await second.unrouteAll();
      await second.goto(`${timesheets.url}/?user=frank@example.com`);
      await endOfSignIn(second, 'switch-9-tab-two-again', timesheets);
      assert.equal((await shownClaims(second)).sub, 'frank@example.com');
      await context.close();
    });
  });

import assert from 'node:assert/strict';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { csvInventory } from '../../support/app.js';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { startTestCollector, type TestCollector } from '../../support/collector.js';
import { ROOT } from '../../support/bin.js';
import { spawnProcess, type Spawned } from '../../cli/spawned.js';
import { ALICE_LAPTOP, BROWSER_SKIP, INVENTORY_CSV, STRANGER, freePort, launchBrowser, newPage, screenshot } from './harness.js';

/**
 * The README's step 5 as a person does it: the example app started as its own process, its
 * sign-in form filled in and submitted in Chromium. Chromium applies the app's CSP
 * `form-action` to the redirect that follows the submit, so an app that only allows 'self'
 * never reaches DevTrust (the other prompt tests open the app's URL directly and miss it).
 */
describeUnless(BROWSER_SKIP)('the example app signed in through its form (Chromium, spawned app)', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let app: Spawned;
  let appUrl: string;

  beforeAll(async () => {
    const doorPort = await freePort();
    c = await startTestCollector({ prompt: { loopbackPorts: [doorPort] }, env: { DEVTRUST_ORG_NAME: 'Example Corp' } });
    await csvInventory(c, INVENTORY_CSV);
    agent = await startTestAgent(c.url, ALICE_LAPTOP, { loopback: true, loopbackPort: doorPort });
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    const created = await c.admin('POST', '/admin/v1/applications', {
      name: 'Payroll',
      redirectUris: [`${appUrl}/callback`],
      policy: { trustedEndpoints: 'require-trusted' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    app = spawnProcess(process.execPath, [path.join(ROOT, 'examples/protected-app/dist/server.js')], {
      env: { ISSUER: c.url, CLIENT_ID: created.body.clientId, CLIENT_SECRET: created.body.clientSecret, PORT: String(port) },
    });
    await app.waitForOutput(/example app on /, 'the example app listening');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await agent?.stop();
    await c?.stop();
  });

  it('an ISSUER naming DevTrust otherwise (localhost for 127.0.0.1) stops the app with both names and the value to set', async () => {
    const port = new URL(c.url).port;
    const wrong = spawnProcess(process.execPath, [path.join(ROOT, 'examples/protected-app/dist/server.js')], {
      env: { ISSUER: `http://localhost:${port}`, CLIENT_ID: 'x', CLIENT_SECRET: 'y', PORT: String(await freePort()) },
    });
    assert.equal(await wrong.waitForExit(), 1);
    assert.match(wrong.stderr(), /discovered metadata issuer does not match|does not match the expected/);
    assert.ok(
      wrong.stderr().includes(`DevTrust names itself "${c.url}", and ISSUER is "http://localhost:${port}/": set ISSUER=${c.url}`),
      wrong.stderr(),
    );
  });

  async function submitForm(user: string) {
    const page = await newPage(browser);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${appUrl}/`);
    await page.getByLabel('Username').fill(user);
    await page.getByRole('button', { name: 'Continue' }).click();
    return { page, violations };
  }

  it('a trusted device: Continue reaches the DevTrust prompt and comes back signed in', async () => {
    agent.setIdentity(ALICE_LAPTOP);
    const { page, violations } = await submitForm('alice@example.com');
    await page.waitForURL((url) => url.origin === c.url && url.pathname.startsWith('/oidc/'));
    await page.waitForSelector('#signed-in');
    assert.equal(new URL(page.url()).origin, appUrl);
    assert.match((await page.textContent('#verdict')) ?? '', /trusted/);
    assert.deepEqual(violations, []);
    await screenshot(page, 'form-1-signed-in');
    await page.context().close();
  });

  it('an untrusted device: DevTrust says Access denied, and "Return to Payroll" brings error=access_denied to the app', async () => {
    agent.setIdentity(STRANGER);
    const { page, violations } = await submitForm('alice@example.com');
    await page.waitForSelector('[data-panel="denied"]:not([hidden])');
    assert.equal(new URL(page.url()).origin, c.url);
    assert.match((await page.textContent('#denied-reason')) ?? '', /require-trusted and the device is not trusted/);
    // The reference the README tells users to quote to IT: the transaction in the auth log.
    const reference = /Reference: (tx_\S+)/.exec((await page.textContent('[data-panel="denied"]')) ?? '')?.[1];
    assert.ok(reference);
    const log = await c.admin('GET', '/admin/v1/auth-log?user=alice@example.com');
    assert.ok(log.body.entries.some((e: { transactionId: string }) => e.transactionId === reference));
    await page.click('text=Return to Payroll');
    await page.waitForSelector('#denied');
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    assert.deepEqual(violations, []);
    await screenshot(page, 'form-2-denied');
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import type { Browser } from 'playwright-core';
import { startTestCollector, type TestCollector } from '../../support/collector.js';
import { BROWSER_SKIP, freePort, launchBrowser, newPage, screenshot, shownClaims, startExampleApp, type ExampleApp } from './harness.js';

const DOWNLOAD = 'https://downloads.example.com/devtrust/agent';

describeUnless(BROWSER_SKIP)('the browser prompt without an agent (Chromium)', () => {
  let c: TestCollector;
  let browser: Browser;
  let wiki: ExampleApp;
  let payroll: ExampleApp;

  beforeAll(async () => {
    // Nothing listens on the one port the page tries: no agent on this device. A short
    // wait keeps the suite quick; the page and the collector use it the same way.
    c = await startTestCollector({
      prompt: { loopbackPorts: [await freePort()], agentWaitMs: 2_000 },
      env: { DEVTRUST_ORG_NAME: 'Example Corp', DEVTRUST_AGENT_DOWNLOAD_URL: DOWNLOAD },
    });
    wiki = await startExampleApp(c, 'Wiki', { trustedEndpoints: 'allow-all' });
    payroll = await startExampleApp(c, 'Payroll', { trustedEndpoints: 'require-trusted' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await wiki?.close();
    await payroll?.close();
    await c?.stop();
  });

  it('explains, offers the download and the devtrust:// link, then allow-all lets the user in', async () => {
    const page = await newPage(browser);
    await page.goto(`${wiki.url}/?user=bob@example.com`);
    await page.waitForSelector('[data-panel="no-agent"]:not([hidden])');
    assert.equal(await page.getAttribute('text=Download the DevTrust agent', 'href'), DOWNLOAD);
    const open = (await page.getAttribute('#open-agent', 'href')) ?? '';
    assert.match(open, /^devtrust:\/\/attest\?tx=tx_[A-Za-z0-9_-]+$/);
    assert.match((await page.textContent('#status')) ?? '', /Waiting for the DevTrust agent/);
    await screenshot(page, '5-no-agent');

    // The collector decides without a device once the wait is over; allow-all allows.
    await page.waitForSelector('#signed-in');
    const claims = await shownClaims(page);
    assert.equal(claims.sub, 'bob@example.com');
    assert.deepEqual([claims.device_trust.verdict, claims.device_trust.access], ['untrusted', 'allow']);
    assert.equal(claims.device_trust.endpointId, null);
    assert.equal(claims.device_trust.assurance, null);
    assert.match(claims.device_trust.reasons.join('\n'), /no DevTrust agent attested/);
    assert.equal(claims.device_trust.transactionId, new URL(open).searchParams.get('tx'));
    await page.context().close();
  });

  it('under require-trusted the same wait ends in a denial that says no agent answered', async () => {
    const page = await newPage(browser);
    await page.goto(`${payroll.url}/?user=bob@example.com`);
    await page.waitForSelector('[data-panel="no-agent"]:not([hidden])');
    await page.waitForSelector('[data-panel="denied"]:not([hidden])');
    assert.match((await page.textContent('#denied-reason')) ?? '', /No DevTrust agent attested for this sign-in/);
    await screenshot(page, '6-no-agent-denied');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'return');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#denied');
    assert.match((await page.textContent('#reason')) ?? '', /no DevTrust agent attested/);
    await page.context().close();
  });
});

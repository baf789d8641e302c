import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { itUnless } from '../../support/skip.js';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { createTestApp, csvInventory, type TestApp } from '../../support/app.js';
import { runBin } from '../../support/bin.js';
import { promptOf, startUnsignedSignIn } from '../../support/unsigned-sign-in.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { ALICE_LAPTOP, INVENTORY_CSV, freePort } from '../prompt/harness.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * Prompts no agent answered are kept apart in the auth log as `abandoned`. An admin must be
 * able to see them (someone probing under made-up names, or users without the agent) from
 * devtrustctl and from the console, not only with curl.
 */
describe('abandoned prompts in the auth log: devtrustctl log --outcome and the console filter', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let app: TestApp;
  let browser: Browser | undefined;

  /** A sign-in prompt opened with the app's public client id and left for the collector to decide without an agent. */
  async function abandonedPrompt(username: string): Promise<void> {
    const started = await startUnsignedSignIn(c.url, app.clientId, username);
    assert.equal(started.status, 303, await started.text());
    const { prompt, cookie } = promptOf(c.url, started);
    assert.equal((await fetch(prompt, { headers: { cookie } })).status, 200);
    const state = await fetch(`${prompt.href}/state`, { headers: { cookie, accept: 'application/json' } });
    assert.equal(((await state.json()) as { state: string }).state, 'decided');
  }

  beforeAll(async () => {
    // No agent answers on this port, and the collector decides at the first poll.
    c = await startTestCollector({ prompt: { loopbackPorts: [await freePort()], agentWaitMs: 0 } });
    await csvInventory(c, INVENTORY_CSV);
    agent = await startTestAgent(c.url, ALICE_LAPTOP);
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
    const tx = await app.open('alice@example.com');
    await agent.agent.attest(tx);
    await abandonedPrompt('mallory@example.com');
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await c?.stop();
  });

  const log = (...flags: string[]) =>
    runBin('devtrustctl', ['log', ...flags], { env: { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN } });

  it('devtrustctl log: real sign-ins by default, --outcome abandoned|all shows the prompts no agent answered', async () => {
    const byDefault = await log();
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.match(byDefault.stdout, /^at\s+username\s+applicationName\s+outcome\s+verdict\s+access\s+reasons$/m);
    assert.match(byDefault.stdout, /alice@example\.com\s+Payroll\s+attested\s+trusted\s+allow/);
    assert.doesNotMatch(byDefault.stdout, /mallory/);

    const abandoned = await log('--outcome', 'abandoned');
    assert.equal(abandoned.code, 0, abandoned.stderr);
    assert.match(abandoned.stdout, /mallory@example\.com\s+Payroll\s+abandoned\s+untrusted\s+deny/);
    assert.doesNotMatch(abandoned.stdout, /alice/);

    const all = await log('--outcome', 'all', '--json');
    assert.deepEqual(
      (JSON.parse(all.stdout).entries as { username: string }[]).map((e) => e.username),
      ['mallory@example.com', 'alice@example.com'],
    );

    const bad = await log('--outcome', 'sometimes');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^devtrustctl: 400 INVALID_REQUEST: .*\(field outcome\)\n$/);
  });

  itUnless(chromiumMissing)('the console: the Outcome filter shows abandoned prompts, kept out of the default view', async () => {
    browser = await launchBrowser();
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    await page.getByRole('link', { name: 'Auth log' }).click();
    const table = page.getByRole('region', { name: 'Auth log' });
    await table.getByText('alice@example.com').waitFor();
    assert.equal(await table.getByText('mallory@example.com').count(), 0);

    await page.getByLabel('Outcome').selectOption('abandoned');
    await table.getByText('mallory@example.com').waitFor();
    assert.equal(await table.getByText('alice@example.com').count(), 0);
    assert.match((await table.locator('tbody tr').first().textContent()) ?? '', /abandoned prompt/);
    assert.match(page.url(), /outcome=abandoned/);
    await screenshot(page, '30-auth-log-abandoned');

    await page.getByLabel('Outcome').selectOption('all');
    await table.getByText('alice@example.com').waitFor();
    await table.getByText('mallory@example.com').waitFor();
    assert.deepEqual(problems, []);
  });
});

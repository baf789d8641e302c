import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { createTestApp, csvInventory } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, openConsole, screenshot } from './browser.js';

/**
 * The console's Endpoints list once showed a released endpoint's last verdict as a green
 * "trusted · allow", while its page said the verdict came before the release; a denied
 * endpoint's page showed a greyed Release beside "Nothing to release", and its reasons said both
 * "an administrator blocked this endpoint" and "an administrator denied this endpoint".
 */
describeUnless(chromiumMissing)('the admin console: released and denied endpoints', () => {
  let c: TestCollector;
  const agents: TestAgent[] = [];
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let releasedId: string;
  let deniedId: string;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, 'serial_number,device_name,platform\nC02GONE001,old-mbp,macos\nC02HELD001,LAPTOP-56,macos\n');
    const app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
    const start = async (hostname: string, serialNumber: string): Promise<TestAgent> => {
      const agent = await startTestAgent(c.url, { platform: 'macos', hostname, serialNumber });
      agents.push(agent);
      return agent;
    };
    const old = await start('old-mbp', 'C02GONE001');
    releasedId = old.agent.status().endpointId as string;
    const tx = await app.open('ivy');
    assert.equal((await old.agent.attest(tx)).verdict, 'trusted');
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${releasedId}/release`)).status, 200);
    await start('LAPTOP-56', 'C02HELD001');
    deniedId = (await start('LAPTOP-56-COPY', 'C02HELD001')).agent.status().endpointId as string;
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${deniedId}/deny`)).status, 200);
    ({ browser, page, problems } = await openConsole(c.url, OWNER_TOKEN));
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it("the list shows a released endpoint's last allow as given before the release, not as a trusted verdict", async () => {
    await page.goto(`${c.url}/console/#/endpoints`);
    const row = page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: releasedId });
    await row.getByText('before it was released').waitFor();
    const verdict = row.getByText('trusted · allow', { exact: true });
    assert.doesNotMatch((await verdict.getAttribute('class')) ?? '', /badge-ok/);
    await row.getByText('not trusted', { exact: true }).waitFor();
    await row.getByText('released', { exact: true }).waitFor();
    await screenshot(page, '35b-endpoints-released-last-verdict');
    // Its page says the same.
    await page.goto(`${c.url}/console/#/endpoints/${releasedId}`);
    const last = page.getByRole('region', { name: 'Last verdict' });
    await last.getByText('Given before the endpoint was released: every sign-in it attests is denied now.').waitFor();
    assert.doesNotMatch((await last.getByText('trusted · allow', { exact: true }).getAttribute('class')) ?? '', /badge-ok/);
    assert.deepEqual(problems, []);
  });

  it("a denied endpoint's page: no greyed Release, why said once, and one reason for being denied and blocked", async () => {
    await page.goto(`${c.url}/console/#/endpoints/${deniedId}`);
    await page.getByRole('note').filter({ hasText: 'No Release here' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Release identifiers' }).count(), 0);
    assert.equal(await page.getByText(/Nothing to release/).count(), 0);
    const reasons = page.getByRole('region', { name: 'Match reasons' }).getByRole('listitem');
    await reasons.first().waitFor();
    assert.equal(await reasons.count(), 1);
    assert.match(
      (await reasons.first().textContent()) ?? '',
      /^untrusted: an administrator denied this endpoint, .*; denied, it is blocked: every sign-in from it is denied$/,
    );
    assert.equal(await page.getByText(/an administrator blocked this endpoint/).count(), 0);
    // Unblock and Forget stay: unblocking a denied endpoint approves it.
    await page.getByRole('button', { name: 'Unblock', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Forget', exact: true }).waitFor();
    await screenshot(page, '92b-endpoint-denied');
    assert.deepEqual(problems, []);
  });
});

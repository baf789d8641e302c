import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { csvInventory } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** The console's Release identifiers: a re-imaged laptop's new key takes over from the old one; and Forget. */
describeUnless(chromiumMissing)('the admin console: releasing a device key', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const agents: TestAgent[] = [];
  let oldId: string;
  let newId: string;
  let integrationId: string;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    integrationId = await csvInventory(c, 'serial_number,device_name,platform\nC02RELEASE01,mbp-reimaged,macos\n');
    const identity = { platform: 'macos' as const, serialNumber: 'C02RELEASE01', hostname: 'mbp-reimaged' };
    const old = await startTestAgent(c.url, identity);
    const reimaged = await startTestAgent(c.url, identity);
    agents.push(old, reimaged);
    oldId = old.agent.status().endpointId as string;
    newId = reimaged.agent.status().endpointId as string;
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  /** Waits until the stored global policy holds `expected` (the console saves asynchronously). */
  const expectPolicy = async (expected: Record<string, unknown>): Promise<void> => {
    await page.getByText(/saved/i).first().waitFor();
    const stored = (await c.admin('GET', '/admin/v1/policy')).body;
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(stored[key], value, key);
  };
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it('shows the device key kind, releases the old endpoint after a confirmation, and the new key is trusted', async () => {
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(oldId)}`);
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText('Software key').waitFor();
    await summary.getByText('as the agent reports it').waitFor();
    await screenshot(page, '32-endpoint-release-before');
    await page.getByRole('button', { name: 'Release identifiers' }).click();
    const dialog = page.getByRole('dialog', { name: `Release the identifiers of ${oldId} "mbp-reimaged"?` });
    await dialog.getByText('blocked for good').waitFor();
    await dialog.getByRole('button', { name: 'Release identifiers' }).click();
    await page
      .getByText(`The identifiers of ${oldId} "mbp-reimaged" are released. Now holding them: ${newId}.`, { exact: true })
      .first()
      .waitFor();
    await page.getByText('released: key retired').waitFor();
    await page.getByText(/^untrusted: an administrator released this endpoint's identifiers on /).waitFor();
    assert.equal(await page.getByText(/reported by 2 enrolled endpoints/).count(), 0, 'the new key is not shown as a duplicate');
    // A released key is retired for good: no Unblock, no second Release.
    assert.equal(await page.getByRole('button', { name: 'Unblock' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Release identifiers' }).count(), 0);
    await page.getByRole('region', { name: 'Summary' }).getByText('Released').waitFor();
    await screenshot(page, '33-endpoint-released');
    await page.goto(`${c.url}/console/#/endpoints`);
    await page.getByRole('region', { name: 'Endpoints' }).getByText('released', { exact: true }).waitFor();
    await screenshot(page, '35-endpoints-released');
    const now = (await c.admin('GET', `/admin/v1/endpoints/${newId}`)).body;
    assert.deepEqual([now.approval, now.trusted], ['approved', true]);
    assert.deepEqual(problems, []);
  });

  it("the pending endpoint's page offers to release the key that holds its identifiers", async () => {
    const identity = { platform: 'macos' as const, serialNumber: 'C02RELEASE02', hostname: 'mbp-two' };
    await c.admin(
      'PUT',
      `/admin/v1/integrations/${integrationId}/inventory`,
      'serial_number,device_name,platform\nC02RELEASE01,mbp-reimaged,macos\nC02RELEASE02,mbp-two,macos\n',
      {
        contentType: 'text/csv',
      },
    );
    const first = await startTestAgent(c.url, identity);
    const second = await startTestAgent(c.url, identity);
    agents.push(first, second);
    const holder = first.agent.status().endpointId as string;
    const waiting = second.agent.status().endpointId as string;
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(waiting)}`);
    const claim = page.getByRole('region', { name: 'Awaiting approval' });
    await claim.getByText('release the endpoint that holds them instead').waitFor();
    await screenshot(page, '36-endpoint-pending-release-holder');
    // The pending endpoint holds nothing: no Release identifiers of its own, which retired the new key (newcomer, round ten).
    assert.equal(await page.getByRole('button', { name: 'Release identifiers', exact: true }).count(), 0);
    await claim.getByRole('button', { name: `Release ${holder}` }).click();
    await page
      .getByRole('dialog', { name: `Release the identifiers of ${holder}?` })
      .getByRole('button', { name: 'Release identifiers' })
      .click();
    await page.getByText(`The identifiers of ${holder} are released. Now holding them: ${waiting}.`, { exact: true }).first().waitFor();
    await page.getByText('approved', { exact: true }).first().waitFor();
    const now = (await c.admin('GET', `/admin/v1/endpoints/${waiting}`)).body;
    assert.deepEqual([now.approval, now.trusted], ['approved', true]);
    assert.deepEqual(problems, []);
  });

  // Forget, on the same page: its dialog says that endpoints waiting on the forgotten one's identifiers are judged again.
  it('forgetting warns that the endpoints waiting on it stay pending, and names how many', async () => {
    const identity = { platform: 'macos' as const, serialNumber: 'C02FORGET01', hostname: 'mbp-forget' };
    const started = [await startTestAgent(c.url, identity), await startTestAgent(c.url, identity)];
    agents.push(...started);
    const [holder, waiting] = started.map((a) => a.agent.status().endpointId as string) as [string, string];

    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(holder)}`);
    await page.getByRole('button', { name: 'Forget' }).click();
    const dialog = page.getByRole('dialog', { name: `Forget ${holder} "mbp-forget"?` });
    await dialog.getByText(/waiting for approval on them stay pending: approve or deny each of them yourself/).waitFor();
    await dialog.getByText(/enrolls anew as a new endpoint/).waitFor();
    await dialog.getByRole('button', { name: 'Forget endpoint' }).click();
    await page.waitForURL(/#\/endpoints$/);
    // The announcement (a live region) says one endpoint waiting on it is still pending.
    await page.waitForFunction(
      (id) =>
        document.getElementById('live')?.textContent === `${id} "mbp-forget" was forgotten. 1 endpoint waiting on it is still pending.`,
      holder,
    );
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${waiting}`)).body.approval, 'pending');
    assert.deepEqual(problems, []);
  });

  it('offers the new policy rules in the global policy form', async () => {
    await page.goto(`${c.url}/console/#/policy`);
    await page.getByText('not seen since').first().waitFor();
    await page.getByText('Secure Enclave or TPM key').first().waitFor();
    await screenshot(page, '34-policy-assurance');
    await page.getByLabel('Max report age hours').fill('48');
    await page.getByLabel('Require hardware key').check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expectPolicy({ maxReportAgeHours: 48, requireHardwareKey: true });
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { csvInventory } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

describeUnless(chromiumMissing)('the admin console: endpoints pending approval', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const agents: TestAgent[] = [];
  let realId: string;
  const cloneIds: string[] = [];

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, 'serial_number,device_name,platform\nC02CONSOLE01,LAPTOP-REAL,macos\n');
    const identity = { platform: 'macos' as const, serialNumber: 'C02CONSOLE01' };
    for (const hostname of ['laptop-real', 'clone-one', 'clone-two']) {
      const agent = await startTestAgent(c.url, { ...identity, hostname });
      agents.push(agent);
      if (hostname === 'laptop-real') realId = agent.agent.status().endpointId as string;
      else cloneIds.push(agent.agent.status().endpointId as string);
    }
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it('lists pending endpoints with Approve and Deny; the real device stays trusted', async () => {
    await page.goto(`${c.url}/console/#/endpoints?approval=pending`);
    const table = page.getByRole('region', { name: 'Endpoints' });
    await table.getByRole('link', { name: 'clone-one' }).waitFor();
    // The real device is no row of its own; the rows name it as what they wait on.
    assert.equal(await table.locator('tbody th').getByRole('link', { name: 'laptop-real' }).count(), 0);
    assert.equal(await table.locator('tbody th').getByRole('link', { name: 'clone-two' }).count(), 1);
    assert.equal(await table.locator('.waits-on').getByRole('link', { name: realId }).count(), 2);
    const row = table.getByRole('row').filter({ hasText: 'clone-one' });
    await row.getByText('pending approval').waitFor();
    await row.getByRole('button', { name: 'Approve' }).waitFor();
    await row.getByRole('button', { name: 'Deny' }).waitFor();
    await screenshot(page, '30-endpoints-pending');
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${realId}`)).body.trusted, true);
  });

  it('denies a clone from the list', async () => {
    const row = page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: 'clone-one' });
    await row.getByRole('button', { name: 'Deny' }).click();
    await page
      .getByRole('dialog', { name: `Deny ${cloneIds[0]} "clone-one"?` })
      .getByRole('button', { name: 'Deny endpoint' })
      .click();
    await page.getByText(`${cloneIds[0]} "clone-one" is denied and blocked.`, { exact: true }).first().waitFor();
    const shown = (await c.admin('GET', `/admin/v1/endpoints/${cloneIds[0]}`)).body;
    assert.deepEqual([shown.approval, shown.blocked], ['denied', true]);
  });

  it('the detail page explains the claim and approves', async () => {
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(cloneIds[1] as string)}`);
    const claim = page.getByRole('region', { name: 'Awaiting approval' });
    await claim.getByText('C02CONSOLE01').waitFor();
    // Named by the claim and by what it waits on (still reporting or not): both link to it.
    await claim.getByRole('link', { name: realId }).first().waitFor();
    await claim.locator('.waits-on').getByRole('link', { name: realId }).waitFor();
    await screenshot(page, '31-endpoint-pending');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('dialog', { name: `Approve ${cloneIds[1]} "clone-two"?` })
      .getByRole('button', { name: 'Approve endpoint' })
      .click();
    await page.getByText(`${cloneIds[1]} "clone-two" is approved.`, { exact: true }).first().waitFor();
    await page.getByText('approved', { exact: true }).first().waitFor();
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${cloneIds[1]}`)).body.approval, 'approved');
    assert.deepEqual(problems, []);
  });

  it('the Approve confirmation says first when a blocked endpoint holds what it reports (a stolen laptop’s thief?)', async () => {
    const stolenIdentity = { platform: 'macos' as const, serialNumber: 'C02STOLEN01', hostname: 'stolen-mac' };
    const stolen = await startTestAgent(c.url, stolenIdentity);
    const stolenId = stolen.agent.status().endpointId as string;
    await stolen.stop();
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${stolenId}/block`)).status, 200);
    const thief = await startTestAgent(c.url, { ...stolenIdentity, hostname: 'thief-mac' });
    agents.push(thief);
    const thiefId = thief.agent.status().endpointId as string;
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(thiefId)}`);
    await page.getByRole('region', { name: 'Awaiting approval' }).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog', { name: `Approve ${thiefId} "thief-mac"?` });
    await dialog.waitFor();
    const text = (await dialog.locator('#confirm-message').textContent()) ?? '';
    await screenshot(page, '32-approve-blocked-holder');
    assert.match(
      text,
      new RegExp(
        `^${stolenId} "stolen-mac" holds serial number C02STOLEN01 and is blocked: approving this endpoint trusts it through them\\.`,
      ),
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${thiefId}`)).body.approval, 'pending');

    // Unreadable at the click, the confirmation says it could not check, not nothing.
    const endpointUrl = `**/admin/v1/endpoints/${thiefId}`;
    await page.route(endpointUrl, (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"BUSY","message":"busy"}}' }),
    );
    await page.getByRole('button', { name: 'Approve' }).click();
    await dialog.waitFor();
    assert.match(
      (await dialog.locator('#confirm-message').textContent()) ?? '',
      /^Could not check what this risks \(.+\): cancel and try again unless you are sure\./,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.unroute(endpointUrl);

    // Denied, then unblocked, it would be approved: the Unblock confirmation says so first.
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${thiefId}/deny`)).status, 200);
    await page.reload();
    await page.getByRole('button', { name: 'Unblock' }).click();
    const unblock = page.getByRole('dialog', { name: `Unblock ${thiefId} "thief-mac"?` });
    await unblock.waitFor();
    assert.match(
      (await unblock.locator('#confirm-message').textContent()) ?? '',
      new RegExp(`^${stolenId} "stolen-mac" holds serial number C02STOLEN01 and is blocked`),
    );
    await unblock.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${thiefId}`)).body.approval, 'denied');
    assert.deepEqual(
      problems.filter((p) => !p.includes('503')),
      [],
    );
  });
});

import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { csvInventory } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, openConsole, screenshot } from './browser.js';

/**
 * The agent chooses its hostname, so a copy of LAPTOP-12 (ep_real) can call itself
 * `LAPTOP-12 (ep_real)`. Named by its hostname, its page and every confirmation on it read as the
 * real device's: an admin confirmed "Release LAPTOP-12 (ep_real…)" while acting on the copy. The
 * console names an endpoint by its id first, the hostname quoted after it, as devtrustctl does.
 */
describeUnless(chromiumMissing)('the admin console: a hostname that imitates another endpoint', () => {
  // The real laptop, a copy of it, and a device of its own, the last two both calling themselves `spoofed`.
  let realId: string;
  let copyId: string;
  let lookAlikeId: string;
  let spoofed: string;
  let c: TestCollector;
  const agents: TestAgent[] = [];
  let browser: Browser;
  let page: Page;
  let problems: string[];

  const dialogTitle = async (button: string): Promise<string> => {
    await page.getByRole('button', { name: button, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const title = (await dialog.locator('#confirm-title').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    return title;
  };
  const heading = async (): Promise<string> => {
    const h1 = page.getByRole('heading', { level: 1 });
    await h1.waitFor();
    return (await h1.textContent()) ?? '';
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, 'serial_number,device_name,platform\nC02SPOOF001,LAPTOP-12,macos\nC02SPOOF002,LAPTOP-34,macos\n');
    const start = async (hostname: string, serialNumber: string): Promise<string> => {
      const agent = await startTestAgent(c.url, { platform: 'macos', hostname, serialNumber });
      agents.push(agent);
      return agent.agent.status().endpointId as string;
    };
    realId = await start('LAPTOP-12', 'C02SPOOF001');
    spoofed = `LAPTOP-12 (${realId})`;
    // A copy of the laptop's disk image (pending approval), and a device of its own that calls itself the same.
    copyId = await start(spoofed, 'C02SPOOF001');
    lookAlikeId = await start(spoofed, 'C02SPOOF002');
    ({ browser, page, problems } = await openConsole(c.url, OWNER_TOKEN));
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it('the page heading, and the Deny and Forget confirmations, name the copy by its own id first', async () => {
    await page.goto(`${c.url}/console/#/endpoints/${copyId}`);
    assert.equal(await heading(), `${copyId} "${spoofed}"`);
    assert.equal(await page.title(), `${copyId} "${spoofed}" · DevTrust console`);
    assert.equal(await dialogTitle('Deny'), `Deny ${copyId} "${spoofed}"?`);
    assert.equal(await dialogTitle('Forget'), `Forget ${copyId} "${spoofed}"?`);
    await screenshot(page, '90-spoofed-hostname-pending');
    assert.deepEqual(problems, []);
  });

  it('the Release confirmation names the endpoint released by its id first', async () => {
    await page.goto(`${c.url}/console/#/endpoints/${lookAlikeId}`);
    assert.equal(await heading(), `${lookAlikeId} "${spoofed}"`);
    assert.equal(await dialogTitle('Release identifiers'), `Release the identifiers of ${lookAlikeId} "${spoofed}"?`);
    assert.equal(await dialogTitle('Block'), `Block ${lookAlikeId} "${spoofed}"?`);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${lookAlikeId}`)).body.releasedAt, null);
    assert.deepEqual(problems, []);
  });

  it("the real device's waiting list and the Endpoints list show each endpoint's own id", async () => {
    await page.goto(`${c.url}/console/#/endpoints/${realId}`);
    const waiting = page.getByRole('region', { name: 'Waiting on its identifiers' }).getByRole('listitem');
    await waiting.first().waitFor();
    // The id first, linked; the hostname quoted, cut as devtrustctl cuts a list's.
    assert.match((await waiting.first().textContent()) ?? '', new RegExp(`^${copyId} "LAPTOP-12 \\(ep_[^"]{9}…", enrolled `));
    assert.equal(await waiting.first().getByRole('link').textContent(), copyId);

    await page.goto(`${c.url}/console/#/endpoints`);
    const rows = page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: spoofed });
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    const cells = (await rows.locator('th').allTextContents()).sort();
    // Each row's own id whole, and the hostname marked: it names another endpoint's id.
    const mark = 'hostname names another endpoint id';
    assert.deepEqual(cells, [`${spoofed}${copyId}${mark}`, `${spoofed}${lookAlikeId}${mark}`].sort());
    await screenshot(page, '91-spoofed-hostname-list');
    assert.deepEqual(problems, []);
  });

  it('denied, the copy offers no Release, says why, and its reasons name the device it copies', async () => {
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${copyId}/deny`)).status, 200);
    await page.goto(`${c.url}/console/#/endpoints/${copyId}`);
    assert.equal(await heading(), `${copyId} "${spoofed}"`);
    // No greyed Release beside a note that there is nothing to release: the note alone says why.
    await page
      .getByRole('note')
      .filter({ hasText: 'No Release here: a denied endpoint holds none of the identifiers it reports' })
      .waitFor();
    assert.equal(await page.getByRole('button', { name: 'Release identifiers' }).count(), 0);
    const reasons = page.getByRole('region', { name: 'Match reasons' });
    await reasons
      .getByText(
        new RegExp(`^untrusted: an administrator denied this endpoint, which reported serial number C02SPOOF001 \\(held by ${realId}\\)`),
      )
      .waitFor();
    assert.equal(await page.getByText(/reported by 2 enrolled endpoints/).count(), 0);
    assert.equal(await dialogTitle('Unblock'), `Unblock ${copyId} "${spoofed}"?`);
    await screenshot(page, '92-spoofed-hostname-denied');
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { csvInventory } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * What a newcomer to the console needs to act on pending endpoints and read the dashboard: the
 * pending list says, per endpoint, which endpoint holds what it reports; the Approve dialog
 * names the copied disk image beside the re-imaged device; and "Blocked" on the dashboard counts
 * blocked and denied devices, not the keys released for good, and says so.
 */
describeUnless(chromiumMissing)('the admin console: what pending endpoints wait on, and what Blocked counts', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const agents: TestAgent[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await csvInventory(c, 'serial_number,device_name,platform\nC02WAITS01,LAPTOP-12,macos\nC02OLD0001,LAPTOP-OLD,macos\n');
    const enrolled = async (name: string, hostname: string, serialNumber: string) => {
      const agent = await startTestAgent(c.url, { platform: 'macos', hostname, serialNumber });
      agents.push(agent);
      ids[name] = agent.agent.status().endpointId as string;
    };
    await enrolled('real', 'LAPTOP-12', 'C02WAITS01');
    await enrolled('copy', 'LAPTOP-12-COPY', 'C02WAITS01');
    // The real device goes on reporting after its copy enrolled; LAPTOP-OLD's old key does not.
    await agents[0]?.agent.reportNow();
    await enrolled('old', 'LAPTOP-OLD', 'C02OLD0001');
    // Re-imaged: the old key's agent went with the old disk.
    await agents.pop()?.stop();
    await enrolled('reimaged', 'LAPTOP-OLD', 'C02OLD0001');
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it('the pending list names, per endpoint, the endpoint holding what it reports and through which identifier', async () => {
    await page.goto(`${c.url}/console/#/endpoints?approval=pending`);
    const table = page.getByRole('region', { name: 'Endpoints' });
    const row = table.getByRole('row').filter({ hasText: 'LAPTOP-12-COPY' });
    const note = row.locator('.waits-on');
    await note.waitFor();
    // The id first and linked, the hostname quoted: the agent chooses its hostname.
    assert.equal(await note.textContent(), `Waits on: Serial number held by ${ids.real} "LAPTOP-12" still reporting`);
    assert.equal(await note.getByRole('link', { name: ids.real }).getAttribute('href'), `#/endpoints/${ids.real}`);
    const other = table.getByRole('row').filter({ hasText: 'LAPTOP-OLD' });
    assert.match(
      (await other.locator('.waits-on').textContent()) ?? '',
      new RegExp(`^Waits on: Serial number held by ${ids.old} "LAPTOP-OLD" last report \\w{3} \\d+, \\d{4}`),
    );
    await screenshot(page, '80-pending-waits-on');
    // Blocked, the holder is said to be: deny, not release, is what that calls for.
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.real}/block`)).status, 200);
    await page.reload();
    await table.getByRole('row').filter({ hasText: 'LAPTOP-12-COPY' }).locator('.waits-on').getByText('blocked').waitFor();
    assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${ids.real}/block`)).status, 200);
    assert.deepEqual(problems, []);
  });

  it("a pending endpoint's own page says whether the endpoint it waits on still reports (a copy) or went quiet (a re-image)", async () => {
    await page.goto(`${c.url}/console/#/endpoints/${ids.copy}`);
    const copyNote = page.locator('main .waits-on');
    await copyNote.waitFor();
    assert.equal(await copyNote.textContent(), `Waits on: Serial number held by ${ids.real} "LAPTOP-12" still reporting`);
    await page.goto(`${c.url}/console/#/endpoints/${ids.reimaged}`);
    const reimagedNote = page.locator('main .waits-on');
    await reimagedNote.getByText('last report').waitFor();
    assert.match((await reimagedNote.textContent()) ?? '', new RegExp(`held by ${ids.old} "LAPTOP-OLD" last report`));
    assert.deepEqual(problems, []);
  });

  it("the Approve dialog names a copy of the holder's disk image besides the re-imaged device", async () => {
    await page.goto(`${c.url}/console/#/endpoints?approval=pending`);
    const row = page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: 'LAPTOP-12-COPY' });
    await row.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog', { name: `Approve ${ids.copy} "LAPTOP-12-COPY"?` });
    await dialog.waitFor();
    const text = (await dialog.locator('#confirm-message').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.match(text, /The same device re-imaged or with its agent reinstalled: cancel, and release the old endpoint/);
    assert.match(
      text,
      /A copy of that device's disk image \(the device still reports\): cancel, give the copy identifiers of its own \(a new MachineGuid; for a virtual machine a new serial number and hardware UUID too\) and approve it once its page shows it reports them, or deny it\./,
    );
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${ids.copy}`)).body.approval, 'pending');
  });

  it('Blocked on the dashboard counts blocked and denied devices, not released keys, and says so', async () => {
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.old}/release`)).status, 200);
    assert.equal((await c.admin('POST', `/admin/v1/endpoints/${ids.copy}/deny`)).status, 200);
    await page.goto(`${c.url}/console/#/dashboard`);
    const blocked = page.locator('.stat').filter({ hasText: 'Blocked' });
    await blocked.waitFor();
    await screenshot(page, '81-dashboard-blocked');
    assert.equal(await blocked.locator('.stat-value').textContent(), '1');
    assert.equal(
      await blocked.locator('.stat-note').textContent(),
      'Blocked or denied by an administrator. Released keys (1) are not counted.',
    );
    assert.deepEqual(problems, []);
  });

  it('Unblock on a denied copy says that it approves it, and what that costs the real device', async () => {
    // The test above denied the copy; LAPTOP-12 (the real device) still holds its serial number.
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${ids.copy}`)).body.approval, 'denied');
    await page.goto(`${c.url}/console/#/endpoints/${ids.copy}`);
    await page.getByRole('button', { name: 'Unblock' }).click();
    const dialog = page.getByRole('dialog', { name: `Unblock ${ids.copy} "LAPTOP-12-COPY"?` });
    await dialog.waitFor();
    const text = (await dialog.locator('#confirm-message').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.match(
      text,
      /It was denied: unblocking it approves it, and what it reports then counts: the endpoint holding it stops being trusted/,
    );
    assert.match(text, /If this is a copy of that device's disk image, keep it denied/);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${ids.copy}`)).body.approval, 'denied');
    // Forget says what it erases: the trace that keeps a later copy from passing for a re-enrolled device.
    await page.getByRole('button', { name: 'Forget' }).click();
    const forget = page.getByRole('dialog', { name: `Forget ${ids.copy} "LAPTOP-12-COPY"?` });
    await forget.waitFor();
    const forgetText = (await forget.locator('#confirm-message').textContent()) ?? '';
    await forget.getByRole('button', { name: 'Cancel' }).click();
    assert.match(forgetText, /^It is denied: while it is kept, a later copy of the same device is not taken for a re-enrolled one/);
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${ids.copy}`)).status, 200);
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, openConsole, screenshot } from './browser.js';

/**
 * F8: hostnames posing as the victim's id, in ASCII and in look-alikes (Cyrillic `ер_` and hex
 * letters, U+2011 hyphens, U+FF3F low line). The Endpoints list left the look-alike unmarked; the
 * Administrator actions page showed the victim's id as both blocked endpoints' link text while
 * their own ids were cut to an ellipsis; the re-enrolled devices showed the hostname as the
 * device's link. Each now names the endpoint by its own id, whole, and marks the hostname.
 */
describeUnless(chromiumMissing)('the admin console: hostnames that imitate another endpoint id', () => {
  const MARK = 'hostname names another endpoint id';
  let c: TestCollector;
  const agents: TestAgent[] = [];
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let victimId: string;
  let asciiId: string;
  let lookAlikeId: string;
  let lookAlike: string;
  let newcomerId: string;
  let newcomerHostname: string;

  /** The victim's id as a person reads it, in other characters. */
  const imitate = (id: string): string =>
    `ер\uff3f${id.slice(3)}`.replace(/-/g, '\u2011').replace(/a/g, '\u0430').replace(/c/g, '\u0441').replace(/e/g, '\u0435');
  const start = async (identity: DeviceIdentity): Promise<string> => {
    const agent = await startTestAgent(c.url, identity);
    agents.push(agent);
    return agent.agent.status().endpointId as string;
  };
  /** Whether the element's content fits its box (nothing cut or run past it). */
  const fits = (locator: Locator): Promise<boolean> => locator.evaluate((el) => el.scrollWidth <= el.clientWidth);
  /** Whether the element lies wholly inside `box` (an inline id cut by its cell would not). */
  const inside = async (locator: Locator, box: Locator): Promise<boolean> => {
    const [a, b] = [await locator.boundingBox(), await box.boundingBox()];
    return a !== null && b !== null && a.x >= b.x && a.x + a.width <= b.x + b.width + 0.5;
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: { DEVTRUST_REENROLLMENT_QUIET_MINUTES: '0' } });
    victimId = await start({ platform: 'windows', hostname: 'LAPTOP-12', serialNumber: 'SER-LOOK-001' });
    asciiId = await start({ platform: 'windows', hostname: victimId, serialNumber: 'SER-LOOK-002' });
    lookAlike = imitate(victimId);
    lookAlikeId = await start({ platform: 'windows', hostname: lookAlike, serialNumber: 'SER-LOOK-003' });
    // A device that came back with a new key, calling itself by the victim's id in look-alikes.
    const mac = (hostname: string): DeviceIdentity => ({
      platform: 'macos',
      hostname,
      serialNumber: 'C02LOOK0001',
      hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4B0F01',
    });
    await start(mac('mbp-9'));
    newcomerHostname = `mbp-9 ${lookAlike}`;
    newcomerId = await start(mac(newcomerHostname));
    for (const id of [asciiId, lookAlikeId]) assert.equal((await c.admin('POST', `/admin/v1/endpoints/${id}/block`)).status, 200);
    ({ browser, page, problems } = await openConsole(c.url, OWNER_TOKEN));
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it('marks the look-alike hostname in the Endpoints list, as the plain one', async () => {
    await page.goto(`${c.url}/console/#/endpoints`);
    const row = page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: lookAlikeId });
    await row.first().waitFor();
    await row.locator('th').getByText(MARK, { exact: true }).waitFor();
    const victim = page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: 'LAPTOP-12' });
    assert.equal(await victim.getByText(MARK).count(), 0);
    assert.deepEqual(problems, []);
  });

  it('names each blocked endpoint in the Administrator actions by its own id, whole, first, and marks the hostname', async () => {
    await page.goto(`${c.url}/console/#/admin-log?resourceType=endpoint&action=block`);
    await page.getByText('2 matching entries; showing 1–2, newest first.').waitFor();
    const rows = page.getByRole('region', { name: 'Administrator actions' }).locator(':scope > table > tbody > tr');
    for (const [id, hostname] of [
      [asciiId, victimId],
      [lookAlikeId, lookAlike],
    ] as const) {
      const cell = rows.filter({ hasText: id }).locator('td[data-label="Resource"]');
      const link = cell.getByRole('link');
      assert.equal(await link.count(), 1);
      assert.equal(await link.textContent(), id);
      assert.equal(await link.getAttribute('href'), `#/endpoints/${id}`);
      assert.equal(await cell.locator('.resource-name').textContent(), `${id} ${JSON.stringify(hostname)}`);
      assert.ok(await inside(link, cell), 'the id is not cut by its cell');
      assert.ok(await fits(cell.locator('.resource-name')), 'nothing in the name is cut');
      await cell.getByText(MARK, { exact: true }).waitFor();
    }
    await screenshot(page, '95-admin-log-hostname-look-alike');
    assert.deepEqual(problems, []);
  });

  it('names the re-enrolled device by its new endpoint id first, and marks its hostname', async () => {
    await page.goto(`${c.url}/console/#/endpoints`);
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    const candidates = page.getByRole('region', { name: 'Re-enrolled devices' }).getByRole('region', { name: 'Devices to release' });
    const device = candidates.locator('tbody tr').first().locator('[data-label="Device"]');
    await device.waitFor();
    assert.equal(await device.getByRole('link').textContent(), newcomerId);
    assert.match((await device.locator('.resource-name').textContent()) ?? '', new RegExp(`^${newcomerId} "mbp-9 ер`));
    await device.getByText(MARK, { exact: true }).waitFor();
    await screenshot(page, '96-reenrolled-hostname-look-alike');
    assert.deepEqual(problems, []);
  });
});

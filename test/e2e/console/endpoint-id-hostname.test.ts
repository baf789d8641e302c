import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, openConsole, screenshot } from './browser.js';

/**
 * A hostname that is another endpoint's id: in the Endpoints table it was the row's link text,
 * while the row's own id under it was cut by CSS (an ellipsis after 11rem), so the row read as the
 * other endpoint. Sixty U+3000 after a hostname ran its link across the row. The console now shows
 * each row's id whole, wraps and clips the cell, shows runs of wide spaces as one and marks a
 * hostname holding another endpoint's id. Such hostnames stay accepted (a real device's agent
 * would otherwise lose its hostname).
 */
describeUnless(chromiumMissing)('the admin console: a hostname that names another endpoint id', () => {
  const MARK = 'hostname names another endpoint id';
  let realId: string;
  let posingId: string;
  let paddedId: string;
  let c: TestCollector;
  const agents: TestAgent[] = [];
  let browser: Browser;
  let page: Page;
  let problems: string[];

  const row = (id: string): Locator => page.getByRole('region', { name: 'Endpoints' }).getByRole('row').filter({ hasText: id });
  /** Whether the element's content fits its box (nothing cut or run past it). */
  const fits = (locator: Locator): Promise<boolean> => locator.evaluate((el) => el.scrollWidth <= el.clientWidth);

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    const start = async (hostname: string, serialNumber: string): Promise<string> => {
      const agent = await startTestAgent(c.url, { platform: 'windows', hostname, serialNumber });
      agents.push(agent);
      return agent.agent.status().endpointId as string;
    };
    realId = await start('LAPTOP-12', 'SER-ID-001');
    posingId = await start(realId, 'SER-ID-002');
    paddedId = await start(`LAPTOP-56${'\u3000'.repeat(60)}X`, 'SER-ID-003');
    ({ browser, page, problems } = await openConsole(c.url, OWNER_TOKEN));
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it("shows each row's own id whole under a hostname that is another's id, and marks that hostname", async () => {
    await page.goto(`${c.url}/console/#/endpoints`);
    const posing = row(posingId);
    await posing.first().waitFor();
    assert.equal(await posing.count(), 1);
    const cell = posing.locator('th');
    assert.equal(await cell.getByRole('link').textContent(), realId);
    const ownId = cell.locator('code', { hasText: posingId });
    assert.equal(await ownId.textContent(), posingId);
    assert.ok(await ownId.isVisible());
    assert.ok(await fits(ownId), 'the row id is not cut');
    await cell.getByText(MARK, { exact: true }).waitFor();

    // The real endpoint's row is not marked: its hostname names no id.
    assert.equal(await row(realId).filter({ hasText: 'LAPTOP-12' }).getByText(MARK).count(), 0);
    await screenshot(page, '93-hostname-names-another-id');
    assert.deepEqual(problems, []);
  });

  it('shows a run of wide spaces as one and keeps the cell within its column', async () => {
    await page.goto(`${c.url}/console/#/endpoints`);
    const padded = row(paddedId);
    await padded.first().waitFor();
    const cell = padded.locator('th');
    assert.equal(await cell.getByRole('link').textContent(), 'LAPTOP-56 X');
    assert.ok(await fits(cell), 'the hostname cell does not overflow');
    assert.ok(await fits(cell.locator('code', { hasText: paddedId })), 'the row id is not cut');
    assert.equal(await cell.getByText(MARK).count(), 0);
    assert.deepEqual(problems, []);
  });

  it("marks the hostname on the endpoint's page too", async () => {
    await page.goto(`${c.url}/console/#/endpoints/${posingId}`);
    const identifiers = page.getByRole('region', { name: 'Identifiers' });
    await identifiers.getByText(MARK, { exact: true }).waitFor();
    await page.goto(`${c.url}/console/#/endpoints/${realId}`);
    await page.getByRole('region', { name: 'Identifiers' }).getByText('LAPTOP-12', { exact: true }).waitFor();
    assert.equal(await page.getByText(MARK).count(), 0);
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { createTestApp, csvInventory, wrapApp } from '../../support/app.js';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** The admin's daily work in the console: secrets, inherited policy, reason detail, CSV templates, references, times. */
describeUnless(chromiumMissing)("the console for an admin's daily work", () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    await c.admin('PUT', '/admin/v1/policy', { requireFirewall: false });
    browser = await launchBrowser();
    // A browser in Berlin: times must say which zone they are in.
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      timezoneId: 'Europe/Berlin',
      locale: 'en-GB',
      acceptDownloads: true,
    });
    page = await context.newPage();
    problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    void newPage; // the shared helper makes pages without a time zone; this one needs Berlin.
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await c?.stop();
  });

  it('rotates a client secret: shown once, the old one refused at once', async () => {
    const app = await createTestApp(c, { requireFirewall: true }, 'Payroll', 'summary');
    await page.goto(`${c.url}/console/#/applications/${app.id}`);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).last().click(); // the confirmation's button
    const panel = page.getByRole('region', { name: 'New client secret — copy it now' });
    await panel.waitFor();
    const secret = await panel.getByRole('textbox', { name: 'Client secret' }).inputValue();
    assert.match(secret, /^dts_/);
    await screenshot(page, 'daily-1-secret-rotated');
    await assert.rejects(app.open('alice@example.com'), /wrong client secret/);
    assert.ok(await wrapApp(c, { ...app, clientSecret: secret }).open('alice@example.com'));
    // Created time with its zone (CET in Berlin in November).
    assert.match((await page.locator('dd time').first().textContent()) ?? '', /\b(CET|GMT\+1)\b/);
  });

  it('puts an overridden policy field back to the global value, and sets the reasons shown', async () => {
    const id = (await c.admin('GET', '/admin/v1/applications')).body.applications.find((a: any) => a.name === 'Payroll').id;
    await page.goto(`${c.url}/console/#/applications/${id}`);
    const firewall = page.getByLabel('Require firewall');
    await firewall.waitFor();
    assert.equal(await firewall.inputValue(), 'true');
    await firewall.selectOption({ label: 'Inherit global (off)' });
    await page.getByLabel('Reasons shown to the application and its users').selectOption('full');
    await screenshot(page, 'daily-2-inherit-global');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Application saved.').first().waitFor();
    const saved = (await c.admin('GET', `/admin/v1/applications/${id}`)).body;
    assert.deepEqual(saved.policy, {});
    assert.equal(saved.reasonDetail, 'full');
    assert.equal(await page.getByLabel('Require firewall').inputValue(), '');
    await page.goto(`${c.url}/console/#/applications`);
    const row = page.getByRole('row', { name: /Payroll/ });
    assert.match((await row.textContent()) ?? '', /full/);
    await screenshot(page, 'daily-2b-applications');
  });

  it('offers the CSV template, with mac_addresses only when the integration matches MACs', async () => {
    const plain = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Laptops', platforms: ['windows'], config: {} }))
      .body.id;
    const macs = (
      await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Lab boxes',
        platforms: ['linux'],
        config: { matchMacAddresses: true },
      })
    ).body.id;
    for (const [id, expected] of [
      [plain, 'serial_number,hardware_uuid,machine_guid,device_name,platform,owner\r\n'],
      [macs, 'serial_number,hardware_uuid,machine_guid,device_name,platform,owner,mac_addresses\r\n'],
    ] as const) {
      await page.goto(`${c.url}/console/#/integrations/${id}`);
      const hint = (await page.locator('.field', { hasText: 'Inventory CSV' }).textContent()) ?? '';
      // The columns it reads name mac_addresses only where it matches MACs; elsewhere the hint says when it would.
      assert.equal(/naming any of [a-z_, ]*mac_addresses/.test(hint), id === macs, hint);
      assert.equal(hint.includes('once the integration matches MAC addresses'), id !== macs, hint);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download a template' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'devtrust-inventory-template.csv');
      assert.equal(await readFile((await download.path()) as string, 'utf8'), expected);
    }
    await screenshot(page, 'daily-3-csv-template');
    // The name is taken: the console shows the 409 as it is.
    await page.goto(`${c.url}/console/#/integrations/new`);
    await page.getByLabel('Kind').selectOption('csv');
    await page.getByLabel('Name').fill('LAPTOPS');
    await page.getByLabel('Windows').check();
    await page.getByRole('button', { name: /Create/ }).click();
    await page.getByText(/an integration named "LAPTOPS" already exists/).waitFor();
    await screenshot(page, 'daily-4-name-taken');
  });

  it('a blocked endpoint says so in its reasons; the auth log finds a sign-in by its reference', async () => {
    await csvInventory(c, 'serial_number,device_name,platform\nPF2CONSOLE,LAPTOP-IDA,windows\n', { name: 'Ida inventory' });
    agent = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'PF2CONSOLE', hostname: 'LAPTOP-IDA' });
    const endpointId = agent.agent.status().endpointId as string;
    await c.admin('POST', `/admin/v1/endpoints/${endpointId}/block`);
    const app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Wiki', 'summary');
    const tx = await app.open('ida@example.com');
    await agent.agent.attest(tx);
    const shown = (await app.read(tx)).body;
    assert.deepEqual(shown.reasons, ['denied: an administrator blocked this endpoint']);

    await page.goto(`${c.url}/console/#/endpoints/${endpointId}`);
    await page.getByText('untrusted: an administrator blocked this endpoint', { exact: false }).first().waitFor();
    // The block is the reason; the serial number that matched is shown as a passing check, after it.
    const matchReasons = await page.getByRole('region', { name: 'Match reasons' }).locator('li').allTextContents();
    assert.match(matchReasons[0] as string, /^untrusted: an administrator blocked this endpoint/);
    assert.match(
      matchReasons[1] as string,
      /^identifier match: serial number PF2CONSOLE matches record "LAPTOP-IDA" of integration "Ida inventory" \(csv\) \(pass\)$/,
    );
    const lastVerdict = await page.getByRole('region', { name: 'Last verdict' }).locator('li').allTextContents();
    assert.deepEqual(lastVerdict.slice(0, 2), [
      'denied: an administrator blocked this endpoint',
      'rule endpoint block: an administrator blocked this endpoint (fail)',
    ]);
    for (const line of [...matchReasons, ...lastVerdict]) assert.doesNotMatch(line, /^trusted: /);
    await screenshot(page, 'daily-5-blocked-endpoint');

    await page.goto(`${c.url}/console/#/auth-log`);
    await page.getByLabel('Reference').fill(shown.reference);
    await page.getByRole('button', { name: 'Filter' }).click();
    // The one entry, and the times' zone beside the list (Berlin in November: UTC+01:00).
    await page.getByText(/^1 entr(y|ies) match(es)?, newest first\. Times in Europe\/Berlin \(UTC\+01:00\)\.$/).waitFor();
    await page.locator('summary', { hasText: 'denied: an administrator blocked this endpoint' }).click();
    await page.getByText(/^identifier match: .*matches record "LAPTOP-IDA" of integration "Ida inventory" \(csv\) \(pass\)$/).waitFor();
    await page.getByText(shown.reference).waitFor();
    await screenshot(page, 'daily-6-auth-log-reference');
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * The integration page shows the trusted endpoints configuration key and, per platform the
 * integration covers, where it goes with the MDM's device ID variable, as Duo's does; an
 * admin rotates it there. Read-only keys never see it; a CSV integration has no such panel.
 */
describeUnless(chromiumMissing)('the console: trusted endpoints configuration on the integration page', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let intuneId: string;
  let csvId: string;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    const intune = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'intune',
      name: 'Contoso Intune',
      platforms: ['windows', 'macos', 'ios', 'android'],
      config: { tenantId: 'contoso.onmicrosoft.com', clientId: 'intune-app', clientSecret: 'intune-secret-0001' },
    });
    intuneId = intune.body.id;
    csvId = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Lab CSV', platforms: ['linux'], config: {} })).body.id;
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  const panel = () => page.getByRole('region', { name: 'Trusted endpoints' });
  const shownKey = () => panel().getByLabel('Configuration key').inputValue();

  it('shows the key and, for each platform, both keys with the MDM variable', async () => {
    await page.goto(`${c.url}/console/#/integrations/${intuneId}`);
    await panel().getByRole('button', { name: 'Show configuration instructions' }).click();
    const key = await shownKey();
    assert.equal(key, (await c.admin('GET', `/admin/v1/trusted-endpoints/${intuneId}`)).body.key);
    assert.match(key, /^dtc_[A-Za-z0-9_-]{43}$/);
    const titles = await panel().getByRole('heading', { level: 3 }).allTextContents();
    assert.deepEqual(titles, [
      'macOS (DevTrust agent)',
      'Windows (DevTrust agent)',
      'iOS and iPadOS (mobile client)',
      'Android (mobile client)',
    ]);
    for (const title of titles) {
      const card = panel().getByRole('region', { name: title });
      const cells = await card.locator('tbody td').allTextContents();
      assert.deepEqual(cells, ['trustedEndpointsKey', key, 'trustedEndpointIdentifier', '{{DeviceId}}'], title);
    }
    await screenshot(page, 'trusted-endpoints-instructions');
    assert.deepEqual(problems, []);
  });

  it('rotates the key after a confirmation; the page and the API show the new one', async () => {
    const before = await shownKey();
    await panel().getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate key' }).click();
    await page.waitForFunction(
      (old) => (document.querySelector('input[aria-label="Configuration key"]') as HTMLInputElement)?.value !== old,
      before,
    );
    const after = await shownKey();
    assert.notEqual(after, before);
    assert.equal(after, (await c.admin('GET', `/admin/v1/trusted-endpoints/${intuneId}`)).body.key);
    assert.deepEqual(problems, []);
  });

  it('a read-only key sees no configuration key; a CSV integration has no panel', async () => {
    const readOnly = (await c.admin('POST', '/admin/v1/api-keys', { name: 'auditor', role: 'read-only' })).body.key;
    const other = await newPage(browser);
    await signIn(other.page, c.url, readOnly);
    await other.page.goto(`${c.url}/console/#/integrations/${intuneId}`);
    await other.page.getByRole('heading', { level: 1, name: 'Contoso Intune' }).waitFor();
    assert.equal(await other.page.getByRole('region', { name: 'Trusted endpoints' }).count(), 0);
    const refused = await fetch(`${c.url}/admin/v1/trusted-endpoints/${intuneId}`, { headers: { authorization: `Bearer ${readOnly}` } });
    assert.equal(refused.status, 403);
    await page.goto(`${c.url}/console/#/integrations/${csvId}`);
    await page.getByRole('heading', { level: 1, name: 'Lab CSV' }).waitFor();
    assert.equal(await panel().count(), 0);
    const csv = await c.admin('GET', `/admin/v1/trusted-endpoints/${csvId}`);
    assert.deepEqual([csv.status, csv.body.error.code], [400, 'NOT_SUPPORTED']);
    assert.deepEqual([...problems, ...other.problems], []);
  });
});

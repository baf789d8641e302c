import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import type { Browser, Page } from 'playwright-core';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { createTestApp, csvInventory } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** Would set window.__xss if it ever ran; the CSP would block it too, so the DOM is checked as well. */
const EVIL = '<img src=x onerror="window.__xss=1">';

describeUnless(chromiumMissing)('the admin console: roles, sign-in failures and hostile data', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let endpointId: string;
  let integrationId: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    c = await startTestCollector();
    agent = await startTestAgent(c.url, { platform: 'windows', hostname: EVIL, serialNumber: 'XSS-1', osVersion: '10.0.22631' });
    endpointId = (await c.admin('GET', '/admin/v1/endpoints')).body.endpoints[0].id;
    integrationId = await csvInventory(c, `serial_number,device_name\nXSS-1,${JSON.stringify(EVIL).replace(/\\"/g, '""')}\n`, {
      name: EVIL,
    });
    // New application names may hold no < > = " (the name rules), but one stored before them may:
    // written straight into the row, as an older release could have left it.
    const app = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Hostile name');
    await c.store.knex('applications').where({ id: app.id }).update({ name: EVIL });
    await c.admin('PUT', `/admin/v1/users/${encodeURIComponent(EVIL)}`, { groups: [EVIL] });
    for (const role of ['read-only', 'app-manager', 'admin']) {
      const created = await c.admin('POST', '/admin/v1/api-keys', { name: `${role} key`, role });
      keys[role] = created.body.key;
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await c?.stop();
  });

  async function buttons(page: Page): Promise<string[]> {
    return page.locator('main button').evaluateAll((els) => els.map((b) => b.textContent?.trim() ?? ''));
  }

  it('a bad API key stays on sign-in with a clear message', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(`${c.url}/console/`);
    // Keyboard only: the key field has focus on arrival and Enter submits.
    await page.getByLabel('API key').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'apiKey');
    await page.keyboard.type('dtk_not-a-real-key');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByText('the API key is unknown or revoked').waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await screenshot(page, '20-sign-in-refused');
    assert.deepEqual(problems, []);
  });

  it('a key revoked mid-session returns to sign-in with the reason', async () => {
    const extra = (await c.admin('POST', '/admin/v1/api-keys', { name: 'soon revoked', role: 'admin' })).body;
    const { page } = await newPage(browser);
    await signIn(page, c.url, extra.key);
    assert.equal(await page.evaluate(() => Object.values({ ...sessionStorage }).length), 1);
    await c.admin('DELETE', `/admin/v1/api-keys/${extra.id}`);
    // The next request meets the revoked key. Usually that is this click's; on a loaded machine
    // the dashboard's own requests, still loading, can come first and return to sign-in, removing
    // the link mid-click (a CI run timed out on "element was detached"). Either way the same must follow.
    await page
      .getByRole('link', { name: 'Integrations' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await page
      .getByRole('alert')
      .getByText(/Your API key was refused: the API key is unknown or revoked/)
      .waitFor();
    await page.getByLabel('API key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  it('a read-only key sees everything it may read and no write button', async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, keys['read-only'] as string);
    assert.equal(await page.locator('#who-role').textContent(), 'read-only');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Findings' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'API keys' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Enrollment key' }).count(), 0);

    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(endpointId)}`);
    await page.getByRole('heading', { name: 'Report history' }).waitFor();
    assert.deepEqual(await buttons(page), []);
    await screenshot(page, '21-read-only-endpoint');

    await nav.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Add integration' }).count(), 0);
    await page.goto(`${c.url}/console/#/integrations/${encodeURIComponent(integrationId)}`);
    await page.getByRole('heading', { name: 'Sync history' }).waitFor();
    // Looking an identifier up is a read; it is the only button left.
    assert.deepEqual(await buttons(page), ['Check']);
    assert.equal(await page.getByRole('radio', { name: /All users/ }).isDisabled(), true);

    for (const [link, heading] of [
      ['Applications', 'Applications'],
      ['Global policy', 'Global policy'],
      ['Users & groups', 'Users & groups'],
    ] as const) {
      await nav.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('main .panel, main .empty, main .table-wrap').first().waitFor();
      assert.deepEqual(await buttons(page), [], `no button on ${heading}`);
    }
    assert.equal(await page.getByRole('textbox', { name: 'Username' }).count(), 0);
    await nav.getByRole('link', { name: 'Global policy' }).click();
    assert.equal(await page.getByLabel('Block compromised').isDisabled(), true);
    assert.equal(await page.getByRole('textbox', { name: 'Windows' }).isDisabled(), true);
    await screenshot(page, '22-read-only-policy');

    await page.goto(`${c.url}/console/#/api-keys`);
    await page.getByRole('heading', { level: 1, name: 'Not available for your role' }).waitFor();
    assert.deepEqual(problems, []);
  });

  it('an app-manager sees only applications and policy', async () => {
    const { page } = await newPage(browser);
    await signIn(page, c.url, keys['app-manager'] as string);
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor();
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    assert.deepEqual(links, ['Applications', 'Global policy']);
    await page.getByRole('button', { name: 'Create application' }).waitFor();
  });

  it('a 403 from the API is shown plainly', async () => {
    const { page } = await newPage(browser);
    await signIn(page, c.url, keys.admin as string);
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(endpointId)}`);
    await page.getByRole('button', { name: 'Block' }).waitFor();
    // The role changed behind the console's back (here: another key in the same tab).
    await page.evaluate((key) => sessionStorage.setItem('devtrust.console.apiKey', key), keys['read-only'] as string);
    await page.getByRole('button', { name: 'Block' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Block endpoint' }).click();
    await page.getByRole('alert').getByText('Not allowed: the read-only role may not write endpoints').waitFor();
    await screenshot(page, '23-forbidden');
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.blocked, false);
  });

  it('shows hostile names as text and never runs them', async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    const pages = [
      '#/endpoints',
      `#/endpoints/${encodeURIComponent(endpointId)}`,
      '#/integrations',
      `#/integrations/${encodeURIComponent(integrationId)}`,
      '#/applications',
      '#/users',
    ];
    for (const hash of pages) {
      await page.goto(`${c.url}/console/${hash}`);
      await page.getByText(EVIL).first().waitFor();
      // The brand icon in the header is the page's only image; nothing was injected into main.
      assert.equal(await page.locator('main img').count(), 0, `no injected element on ${hash}`);
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    }
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(endpointId)}`);
    await page.getByRole('heading', { level: 1, name: `${endpointId} ${JSON.stringify(EVIL)}`, exact: true }).waitFor();
    await screenshot(page, '24-hostile-names');
    assert.deepEqual(problems, []);
  });
});

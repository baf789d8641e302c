import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * The new-integration form is built from GET /admin/v1/kinds: for every kind the collector
 * registers, the console offers exactly the kind's platforms and the fields of its default
 * variant, secrets as password inputs. (It used to keep its own copy of the kinds, which
 * had drifted: Jamf Pro covered iOS on the server and macOS only in the console.)
 */
describeUnless(chromiumMissing)('the console reads integration kinds from the collector', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('offers every kind with its platforms and fields as the server describes them', async () => {
    const { status, body } = await c.admin('GET', '/admin/v1/kinds');
    assert.equal(status, 200);
    await page.goto(`${c.url}/console/#/integrations/new`);
    // The form renders once the kinds are read; only then are its options there to count.
    await page.getByRole('group', { name: `${body.kinds[0].label} connection` }).waitFor();
    const offered = await page
      .getByLabel('Kind')
      .locator('option')
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    assert.deepEqual(offered.sort(), body.kinds.map((k: { kind: string }) => k.kind).sort());
    for (const kind of body.kinds) {
      await page.getByLabel('Kind').selectOption(kind.kind);
      await page.getByRole('group', { name: `${kind.label} connection` }).waitFor();
      const platforms = await page
        .getByRole('group', { name: 'Platforms this integration covers' })
        .getByRole('checkbox')
        .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      assert.deepEqual(platforms, kind.platforms, `${kind.kind}: platforms`);
      const inputs = await page
        .locator('input[name^="config."]')
        .evaluateAll((els) => els.map((e) => ({ name: (e as HTMLInputElement).name, type: (e as HTMLInputElement).type })));
      const expected = kind.variants[0].fields.map((name: string) => {
        const field = kind.fields.find((f: { name: string }) => f.name === name);
        const type = field.secret ? 'password' : field.type === 'boolean' ? 'checkbox' : field.type;
        return { name: `config.${name}`, type };
      });
      if (kind.category === 'mdm') expected.push({ name: 'config.matchMacAddresses', type: 'checkbox' });
      // Every kind the collector syncs from a vendor takes a drop limit (docs/integration-syncs.md).
      if (kind.capabilities?.sync) expected.push({ name: 'config.maxInventoryDropPercent', type: 'number' });
      assert.deepEqual(inputs, expected, `${kind.kind}: fields`);
    }
  });

  it('shows the Jamf Pro and CrowdStrike forms', async () => {
    await page.getByLabel('Kind').selectOption('jamf-pro');
    await page.getByLabel(/Also sync iPhones and iPads/).waitFor();
    await screenshot(page, '40-integration-new-jamf-pro');
    await page.getByLabel('Kind').selectOption('crowdstrike');
    await page.getByLabel('Status freshness (minutes)').waitFor();
    await screenshot(page, '41-integration-new-crowdstrike');
    assert.deepEqual(problems, []);
  });
});

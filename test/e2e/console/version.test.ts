import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { COLLECTOR_VERSION } from '@devtrust/collector/version';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** The console's header names the collector's version, signed in or not, wide or narrow (docs/operations-backup-upgrade.md). */
describe.skipIf(chromiumMissing)('console: the collector version in the header', () => {
  let c: TestCollector;
  let browser: Browser;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  for (const [name, viewport] of [
    ['wide', { width: 1280, height: 860 }],
    ['narrow', { width: 390, height: 800 }],
  ] as const) {
    it(`shows v${COLLECTOR_VERSION} before and after sign-in (${name})`, async () => {
      const { page, problems } = await newPage(browser, viewport);
      await page.goto(`${c.url}/console/`);
      const version = page.locator('#collector-version');
      assert.equal(await version.textContent(), `v${COLLECTOR_VERSION}`);
      assert.ok(await version.isVisible());
      await signIn(page, c.url, OWNER_TOKEN);
      assert.ok(await version.isVisible());
      // Beside the brand, not pushed under the sign-out button.
      const brand = await page.locator('.brand').boundingBox();
      const box = await version.boundingBox();
      assert.ok(brand && box && box.x >= brand.x + brand.width - 1, `version at ${JSON.stringify(box)}, brand at ${JSON.stringify(brand)}`);
      await screenshot(page, `version-header-${name}`);
      assert.deepEqual(problems, []);
    });
  }
});

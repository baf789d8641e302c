import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); DEVTRUST_TEST_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.DEVTRUST_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests skip here, or false when Chromium is installed. */
export const CHROMIUM_SKIP: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set DEVTRUST_TEST_CHROMIUM)`;

/**
 * Headless Chromium as every browser test starts it: no sandbox (tests run as root in CI), and
 * none of the background traffic (updates, sync, QUIC) that this machine's closed network
 * refuses and that would show as noise in the pages' logs.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A full-page screenshot for a person to look at (test-artifacts/ is gitignored), once fonts and
 * layout have settled. Headless Chromium on a loaded machine now and then answers
 * Page.captureScreenshot with "Unable to capture screenshot": tried three times before failing.
 */
export async function savePageScreenshot(page: Page, dir: string, name: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await page.evaluate(() => document.fonts.ready);
  for (let attempt = 1; ; attempt++) {
    try {
      await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
      return;
    } catch (error) {
      if (attempt >= 3 || !/Unable to capture screenshot/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

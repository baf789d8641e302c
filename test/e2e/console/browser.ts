import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM_SKIP, launchChromium, savePageScreenshot } from '../../support/chromium.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';

/** Debian's Chromium; the tests skip (saying why) where it is not installed. */
export const chromiumMissing = CHROMIUM_SKIP;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

/**
 * A fresh page that records everything that should never happen in the console: uncaught
 * errors, console errors (CSP violations are reported there) and failed requests.
 */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 860 }): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // 4xx answers the tests provoke on purpose (and the console shows) are logged by Chromium as failed loads.
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('API key').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Full-page screenshot for a human to look at (test-artifacts/ is gitignored). */
export function screenshot(page: Page, name: string): Promise<void> {
  return savePageScreenshot(page, ARTIFACTS, name);
}

/** A browser and a fresh page signed in with `token`: what most console suites start with. */
export async function openConsole(url: string, token: string): Promise<{ browser: Browser; page: Page; problems: string[] }> {
  const browser = await launchBrowser();
  const { page, problems } = await newPage(browser);
  await signIn(page, url, token);
  return { browser, page, problems };
}

export interface OwnerConsole {
  c: TestCollector;
  browser: Browser;
  page: Page;
  problems: string[];
}

/**
 * Registers, in the calling describe, the hooks a one-page console suite starts with: a collector
 * without the scheduler and a page signed in with the owner key, closed after the suite. The
 * fields are filled in beforeAll: read them inside the tests.
 */
export function ownerConsoleSuite(): OwnerConsole {
  const suite = {} as OwnerConsole;
  beforeAll(async () => {
    suite.c = await startTestCollector({ scheduler: false });
    Object.assign(suite, await openConsole(suite.c.url, OWNER_TOKEN));
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.c?.stop();
  });
  return suite;
}

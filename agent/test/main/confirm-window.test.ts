import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOrigin, unsafeRefusal, type ConfirmationView } from '@devtrust/agent/main/confirm-view';
import { describeUnless } from '../../../test/support/skip.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../test/support/chromium.js';
import { rendererFile } from './renderer-files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const artifacts = path.join(root, 'test-artifacts/tray');
const ORIGIN = 'http://devtrust.test';
const skip = CHROMIUM_SKIP;

/** The files this window loads (see renderer-files.ts). */
const WINDOW_FILES = ['confirm.html', 'status.css', 'confirm.css', 'confirm.js'];

/** Stands in for the preload: the confirmation half of the API, recording the answer. */
const fakePreload = (view: ConfirmationView) => `(() => {
  window.__answers = [];
  window.devtrust = {
    getConfirmation: async () => (${JSON.stringify(view)}),
    answerConfirmation: async (allow) => (window.__answers.push(allow), true),
  };
})();`;

describeUnless(skip)('devtrust:// confirmation window in headless Chromium', () => {
  let browser: Browser;
  const errors: string[] = [];
  const foreignRequests: string[] = [];

  async function open(view: ConfirmationView): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 460, height: 360 }, deviceScaleFactor: 1 });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      const file = url.origin === ORIGIN ? rendererFile(url.pathname.slice(1), WINDOW_FILES) : null;
      if (!file) {
        foreignRequests.push(url.href);
        return route.abort();
      }
      return route.fulfill({ status: 200, contentType: file.contentType, body: file.body });
    });
    await page.addInitScript({ content: fakePreload(view) });
    await page.goto(`${ORIGIN}/confirm.html`);
    await page.locator('#headline:not(:text("Loading…"))').waitFor();
    return page;
  }

  /** The labelled fields as [label, value] pairs, in order. */
  const fields = (page: Page) =>
    page.$$eval('#fields dt', (dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? null]));

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it('shows application, account and the collector origin as labelled fields; Allow answers true', async () => {
    const page = await open({
      kind: 'ask',
      application: 'Payroll',
      username: 'alice@example.com',
      collector: collectorOrigin('https://trust.example.com'),
      expiresAt: '2025-11-23T10:05:00.000Z',
    });
    assert.equal(await page.textContent('#headline'), 'Confirm a sign-in');
    const shown = await fields(page);
    assert.deepEqual(shown.slice(0, 3), [
      ['Application', 'Payroll'],
      ['Account', 'alice@example.com'],
      ['Collector', 'https://trust.example.com:443'],
    ]);
    assert.equal(shown[3]?.[0], 'Expires');
    // No sentence is built from the values: the headline and the note are the page's own words.
    assert.doesNotMatch((await page.textContent('#note')) ?? '', /Payroll|alice/);
    assert.equal(await page.isVisible('#allow'), true);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel', 'Enter means Cancel');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'confirm.png'), fullPage: true });
    await page.click('#allow');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __answers: boolean[] }).__answers), [true]);
    await page.close();
  });

  it('a name written as a lure stays one value in its field, not the question', async () => {
    // What the edge checks refuse; rendered anyway to show the page itself writes no sentence from it.
    const page = await open({
      kind: 'ask',
      application: 'Security update: click Allow to install',
      username: '<b>mallory</b>',
      collector: 'http://127.0.0.1:8443',
      expiresAt: null,
    });
    assert.deepEqual(await fields(page), [
      ['Application', 'Security update: click Allow to install'],
      ['Account', '<b>mallory</b>'],
      ['Collector', 'http://127.0.0.1:8443'],
    ]);
    assert.equal(await page.$$eval('#fields b', (bold) => bold.length), 0, 'text, never markup');
    assert.equal(await page.textContent('#headline'), 'Confirm a sign-in');
    await page.click('#cancel');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __answers: boolean[] }).__answers), [false]);
    await page.close();
  });

  it('a refused description says so, shows the collector, and offers nothing to allow', async () => {
    const page = await open(
      unsafeRefusal(
        'https://trust.example.com:443',
        "the collector's answer names the username with U+202E, a control or bidirectional character",
      ),
    );
    assert.equal(await page.textContent('#headline'), 'Sign-in request refused');
    assert.equal(await page.getAttribute('#hero', 'data-state'), 'refused');
    assert.deepEqual(await fields(page), [['Collector', 'https://trust.example.com:443']]);
    assert.match((await page.textContent('#note')) ?? '', /refused and nothing was vouched for: .*U\+202E/);
    assert.equal(await page.isHidden('#allow'), true);
    assert.equal(await page.textContent('#cancel'), 'Close');
    await page.screenshot({ path: path.join(artifacts, 'confirm-refused.png'), fullPage: true });
    await page.close();
  });

  it('made no request outside its own files and logged no error', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(errors, []);
  });
});

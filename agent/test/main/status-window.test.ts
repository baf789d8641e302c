import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { toStatusView, type StatusView } from '@devtrust/agent/main/status-view';
import { sampleStatus } from './sample-status.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../test/support/chromium.js';
import { rendererFile } from './renderer-files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const artifacts = path.join(root, 'test-artifacts/tray');
const ORIGIN = 'http://devtrust.test';
const skip = CHROMIUM_SKIP;

/** The files this window loads (see renderer-files.ts). */
const WINDOW_FILES = ['index.html', 'status.css', 'status.js'];

/**
 * Stands in for the preload: the same API shape, answering with the given view. Plain
 * JavaScript text on purpose: a TS function passed to addInitScript would carry the
 * test transpiler's helpers into the page.
 */
const fakePreload = (initial: StatusView) => `(() => {
  let view = ${JSON.stringify(initial)};
  const listeners = [];
  window.__calls = [];
  const record = (...call) => window.__calls.push(call);
  window.devtrust = {
    getStatus: async () => view,
    checkNow: async () => (record('checkNow'), view),
    openLogs: async () => record('openLogs'),
    openSupport: async () => record('openSupport'),
    copyIdentifier: async (field) => (record('copyIdentifier', field), true),
    onStatus: (callback) => (listeners.push(callback), () => undefined),
  };
  window.__push = (next) => {
    view = next;
    for (const listener of listeners) listener(next);
  };
})();`;

describeUnless(skip)('status window in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 600, height: 760 }, deviceScaleFactor: 1 });
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
    const view = toStatusView(sampleStatus(), {
      managed: { collectorUrl: 'https://trust.example.com', supportUrl: 'https://help.example.com/devtrust' },
      version: '0.1.0',
    });
    await page.addInitScript({ content: fakePreload(view) });
    await page.goto(`${ORIGIN}/index.html`);
    await page.locator('#headline', { hasText: 'trusted' }).waitFor();
  });
  afterAll(async () => browser?.close());

  it('shows the trusted state, the verdict and its reasons', async () => {
    assert.equal(await page.getAttribute('#hero', 'data-state'), 'trusted');
    assert.equal(await page.textContent('#headline'), 'This device is trusted');
    assert.equal(await page.isHidden('#detail'), true);
    const verdict = await page.textContent('#verdict');
    assert.match(verdict ?? '', /Trusted/);
    assert.match(verdict ?? '', /Access allowed/);
    assert.match(verdict ?? '', /matches record "LAPTOP-ALICE" of integration "Corporate inventory"/);
  });

  it('shows the identifiers, with copy buttons that call the preload', async () => {
    const identity = (await page.textContent('#identity')) ?? '';
    for (const value of [
      'LAPTOP-ALICE',
      'Windows 10.0.22631',
      'PF2ABCDE',
      '4C4C4544-0042-3510-8052-B4C04F4E4D32',
      '6f1a2b3c-0000-4d5e-8f90-abcdef012345',
      '3C:22:FB:12:34:56, 3C:22:FB:12:34:57',
    ]) {
      assert.ok(identity.includes(value), `identity shows ${value}`);
    }
    await page.click('button[title="Copy Serial number"]');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __calls: unknown[] }).__calls), [
      ['copyIdentifier', 'serialNumber'],
    ]);
  });

  it('shows each EDR with its state and connector ID', async () => {
    const rows = await page.$$eval('#edr tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
    assert.deepEqual(rows, [
      ['Product', 'State', 'Connector ID'],
      ['Cisco Secure Endpoint', 'Running', '0f7c2a51-9e3b-4c1d-8a6f-2b7e9d4c3a10'],
      ['Microsoft Defender for Endpoint', 'Installed, not running', '—'],
    ]);
  });

  it('shows the collector connection and posture, and that the organization manages it', async () => {
    const connection = (await page.textContent('#connection')) ?? '';
    assert.match(connection, /SessionConnected/);
    assert.match(connection, /https:\/\/trust\.example\.com/);
    assert.match(connection, /ep_01JD4Z8Q7T0M3V/);
    assert.match(connection, /127\.0\.0\.1:53100/);
    assert.match((await page.textContent('#posture')) ?? '', /Disk encryptionOn.*FirewallOn.*Password setUnknown.*OS build22631\.4460/);
    assert.equal(await page.textContent('#managed'), 'Managed by your organization');
    assert.equal(await page.isVisible('#support'), true);
    assert.equal(await page.isEnabled('#check-now'), true);
  });

  it('takes a screenshot of the trusted state', async () => {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'status.png'), fullPage: true });
  });

  it('switches to attention when the session drops and the verdict was untrusted', async () => {
    const view = toStatusView(
      sampleStatus({
        link: 'offline',
        lastError: 'cannot reach https://trust.example.com: connect ECONNREFUSED',
        lastVerdict: {
          transactionId: 'tx_2',
          verdict: 'untrusted',
          access: 'deny',
          reasons: ['no active MDM integration holds this device'],
          at: '2025-11-23T10:02:00.000Z',
        },
      }),
      { managed: {}, version: '0.1.0' },
    );
    await page.evaluate((next) => (window as unknown as { __push(v: unknown): void }).__push(next), view);
    assert.equal(await page.getAttribute('#hero', 'data-state'), 'attention');
    assert.equal(await page.textContent('#headline'), 'Not connected to trust.example.com');
    assert.match((await page.textContent('#detail')) ?? '', /ECONNREFUSED/);
    assert.match((await page.textContent('#connection')) ?? '', /SessionOffline/);
    assert.match((await page.textContent('#verdict')) ?? '', /Not trusted.*Access denied/);
    assert.equal(await page.isEnabled('#check-now'), false);
    assert.equal(await page.textContent('#managed'), '');
    await page.screenshot({ path: path.join(artifacts, 'status-attention.png'), fullPage: true });
  });

  it('shows where a moved enrollment came from, beside the collector it now reports to', async () => {
    const view = toStatusView(
      sampleStatus({ enrollmentMovedFrom: { collectorUrl: 'http://trust.example.com:8700', at: '2026-12-01T00:00:00.000Z' } }),
      { managed: {}, version: '0.1.0' },
    );
    await page.evaluate((next) => (window as unknown as { __push(v: unknown): void }).__push(next), view);
    const connection = (await page.textContent('#connection')) ?? '';
    assert.match(connection, /Collectorhttps:\/\/trust\.example\.comMoved fromhttp:\/\/trust\.example\.com:8700 on /);
    await page.screenshot({ path: path.join(artifacts, 'status-moved.png'), fullPage: true });
  });

  it('wraps a moved-from URL of 2,000 characters inside the window', async () => {
    const long = `http://trust.example.com:8700/${'segment-'.repeat(250)}`;
    const view = toStatusView(sampleStatus({ enrollmentMovedFrom: { collectorUrl: long, at: '2026-12-01T00:00:00.000Z' } }), {
      managed: {},
      version: '0.1.0',
    });
    await page.evaluate((next) => (window as unknown as { __push(v: unknown): void }).__push(next), view);
    assert.match((await page.textContent('#connection')) ?? '', /segment-segment-/);
    const { scrollWidth, width } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      width: window.innerWidth,
    }));
    assert.ok(scrollWidth <= width, `${scrollWidth} > ${width}`);
    await page.screenshot({ path: path.join(artifacts, 'status-moved-long.png'), fullPage: true });
  });

  it('renders text, never markup, from what it is given', async () => {
    const view = toStatusView(sampleStatus(), { managed: {}, version: '0.1.0' });
    view.identity.hostname = '<img src=x onerror="window.__pwned=1">';
    await page.evaluate((next) => (window as unknown as { __push(v: unknown): void }).__push(next), view);
    assert.match((await page.textContent('#identity')) ?? '', /<img src=x/);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('made no request outside its own files and logged no error', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(errors, []);
  });
});

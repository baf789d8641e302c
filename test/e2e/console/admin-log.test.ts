import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { startTestAgent } from '../../support/agent.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** Would set window.__xss if it ever ran. */
const EVIL = '<img src=x onerror="window.__xss=1">';
const USERS = 57;

describeUnless(chromiumMissing)('the console: Administrator actions', () => {
  let c: TestCollector;
  let browser: Browser;
  let readOnlyKey: string;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    // More user changes than one page holds, and one with hostile text in it.
    for (let i = 0; i < USERS; i++) {
      const put = await c.admin('PUT', `/admin/v1/users/user${String(i).padStart(2, '0')}@example.com`, { groups: ['pilot'] });
      assert.equal(put.status, 200);
    }
    await c.admin('PUT', `/admin/v1/users/${encodeURIComponent(EVIL)}`, { groups: [EVIL] });
    readOnlyKey = (await c.admin('POST', '/admin/v1/api-keys', { name: 'help desk', role: 'read-only' })).body.key;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('a change made in the console is listed as the console’s, with what it changed', async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Global policy' }).click();
    await page.getByLabel('Block compromised').check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').getByText(/saved/i).first().waitFor();

    await nav.getByRole('link', { name: 'Administrator actions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Administrator actions' }).waitFor();
    const table = page.getByRole('region', { name: 'Administrator actions' });
    const newest = table.locator(':scope > table > tbody > tr').first();
    await newest.waitFor();
    const text = (await newest.textContent()) ?? '';
    assert.match(text, /bootstrap/);
    assert.match(text, /console/);
    assert.match(text, /policy/);
    assert.match(text, /update/);
    assert.match(text, /127\.0\.0\.1/);
    await newest.locator('summary', { hasText: 'blockCompromised' }).click();
    const change = newest.locator('table.changes tbody tr', { hasText: 'blockCompromised' });
    assert.deepEqual(await change.locator('td').allTextContents(), ['false', 'true']);
    assert.match(page.url(), /#\/admin-log/);
    await screenshot(page, '40-admin-log-console-change');
    assert.deepEqual(problems, []);
  });

  it('filters and pages through more entries than one page holds; hostile text stays text', async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/admin-log`);
    const table = page.getByRole('region', { name: 'Administrator actions' });
    // The log's own rows, not those of the before/after tables inside them.
    const rows = table.locator(':scope > table > tbody > tr');
    await rows.first().waitFor();

    await page.getByLabel('Resource', { exact: true }).selectOption('user');
    const total = USERS + 1;
    await page.getByText(`${total} matching entries; showing 1–50, newest first.`).waitFor();
    assert.match(page.url(), /resourceType=user/);
    // The newest user change holds the hostile name: shown as text, never run.
    const first = rows.first();
    await first.getByText(EVIL, { exact: true }).first().waitFor();
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('main img').count(), 0);
    await screenshot(page, '41-admin-log-users-page-1');

    const older = page.getByRole('button', { name: 'Older →' });
    const newer = page.getByRole('button', { name: '← Newer' });
    assert.equal(await newer.isDisabled(), true);
    await older.click();
    await page.getByText(`${total} matching entries; showing 51–${total}, newest first.`).waitFor();
    assert.equal(await rows.count(), total - 50);
    assert.equal(await older.isDisabled(), true);
    // The oldest user change is the first one made.
    assert.match((await rows.last().textContent()) ?? '', /user00@example\.com/);
    await screenshot(page, '42-admin-log-users-page-2');
    await newer.click();
    await page.getByText(`${total} matching entries; showing 1–50, newest first.`).waitFor();

    // A key's id shows everything done with it.
    await rows.first().getByTitle('Every change made with this key').click();
    await page.getByRole('heading', { level: 1, name: 'Administrator actions' }).waitFor();
    assert.match(page.url(), /actorKeyId=key_/);
    assert.match(await page.getByLabel('API key ID').inputValue(), /^key_/);
    await page.getByLabel('Resource', { exact: true }).selectOption('user');
    await page.getByText(`${total} matching entries; showing 1–50, newest first.`).waitFor();

    await page.getByLabel('Resource ID').fill('user07@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('1 matching entry; showing 1–1, newest first.').waitFor();
    await page.getByLabel('Resource ID').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No entry matches these filters.').first().waitFor();
    assert.deepEqual(problems, []);
  });

  it('names the resource changed, linked to its page, with its id beside the name', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Laptops from the CSV',
      platforms: ['macos'],
      config: {},
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/admin-log?resourceType=integration`);
    const row = page.getByRole('region', { name: 'Administrator actions' }).locator(':scope > table > tbody > tr').first();
    const link = row.getByRole('link', { name: 'Laptops from the CSV' });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `#/integrations/${id}`);
    assert.equal(await row.locator('.key-id code', { hasText: id }).getAttribute('title'), id);
    // The key's id stays on one line, whole in its title.
    const keyId = row.getByTitle('Every change made with this key').locator('code');
    assert.equal(await keyId.evaluate((el) => getComputedStyle(el).whiteSpace), 'nowrap');
    assert.match((await keyId.getAttribute('title')) ?? '', /^key_/);
    await screenshot(page, '45-admin-log-integration-named');
    // A 200-character name without a space wraps inside its cell: the Changes column stays in view.
    const long = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'N'.repeat(200), platforms: ['macos'], config: {} });
    assert.equal(long.status, 201);
    await page.reload();
    const longRow = page.getByRole('region', { name: 'Administrator actions' }).locator(':scope > table > tbody > tr').first();
    await longRow.getByRole('link', { name: 'N'.repeat(200) }).waitFor();
    await screenshot(page, '46-admin-log-long-name');
    const changes = longRow.locator('summary');
    const box = await changes.boundingBox();
    const viewport = page.viewportSize();
    assert.ok(box && viewport && box.x + 100 <= viewport.width, `the Changes cell starts at ${JSON.stringify(box)}`);
    assert.deepEqual(problems, []);
  });

  it('an upload reads as rows put into the integration, and a rename as a rename', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Front desk',
      platforms: ['windows'],
      config: {},
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const csv = 'serial_number,device_name,platform\nFD-1,D1,windows\nFD-2,D2,windows\nFD-3,D3,windows\n';
    assert.equal((await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, csv, { contentType: 'text/csv' })).status, 200);
    assert.equal((await c.admin('PATCH', `/admin/v1/integrations/${id}`, { name: 'Reception' })).status, 200);
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/admin-log?resourceType=integration&resourceId=${id}`);
    const rows = page.getByRole('region', { name: 'Administrator actions' }).locator(':scope > table > tbody > tr');
    await page.getByText('3 matching entries; showing 1–3, newest first.').waitFor();
    const [rename, upload, create] = [rows.nth(0), rows.nth(1), rows.nth(2)];
    assert.equal(((await rename.locator('summary').textContent()) ?? '').trim(), 'name');
    await rename.locator('summary').click();
    assert.deepEqual(await rename.locator('table.changes tbody th').allTextContents(), ['name']);
    // The upload names the integration it went into, and what the file held: not "created".
    await upload.getByRole('link', { name: 'Front desk' }).waitFor();
    assert.equal(((await upload.locator('summary').textContent()) ?? '').trim(), 'uploaded 3 rows: succeeded, 3 devices');
    assert.match((await upload.textContent()) ?? '', /upload/);
    assert.equal(((await create.locator('summary').textContent()) ?? '').trim(), 'created');
    await upload.locator('summary').click();
    await screenshot(page, '47-admin-log-upload-and-rename');
    assert.deepEqual(problems, []);
  });

  it('a release and a forget read as what they did, not as the names of the fields they recorded', async () => {
    const laptop = { platform: 'windows' as const, hostname: 'wks-log', serialNumber: 'CONSOLE-LOG-1' };
    const holder = await startTestAgent(c.url, laptop);
    const copy = await startTestAgent(c.url, laptop);
    try {
      const holderId = holder.agent.status().endpointId as string;
      const copyId = copy.agent.status().endpointId as string;
      const released = await c.admin('POST', `/admin/v1/endpoints/${holderId}/release`);
      assert.deepEqual(released.body.freed, [copyId]);
      assert.equal((await c.admin('DELETE', `/admin/v1/endpoints/${copyId}`)).status, 200);
      const { page, problems } = await newPage(browser);
      await signIn(page, c.url, OWNER_TOKEN);
      const summaryOf = async (id: string): Promise<string> => {
        await page.goto(`${c.url}/console/#/admin-log?resourceType=endpoint&resourceId=${id}`);
        await page.getByText('1 matching entry; showing 1–1, newest first.').waitFor();
        const row = page.getByRole('region', { name: 'Administrator actions' }).locator(':scope > table > tbody > tr');
        return ((await row.locator('summary').textContent()) ?? '').trim();
      };
      assert.match(await summaryOf(holderId), /^released: \d+ identifiers?, 1 freed, 0 still pending$/);
      assert.match(await summaryOf(copyId), /^deleted: \d+ identifiers? given up, 0 waiting on it left pending$/);
      // Forgotten, it has no page, and its id alone says nothing: its id first, whole, then the hostname that names it.
      const resource = page
        .getByRole('region', { name: 'Administrator actions' })
        .locator(':scope > table > tbody > tr > td')
        .filter({ has: page.locator('.resource-name') });
      assert.equal(await resource.locator('.resource-name').textContent(), `${copyId} "wks-log"`);
      assert.equal(await resource.locator('a').count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await holder.stop();
      await copy.stop();
    }
  });

  it('on a phone each entry is a card', async () => {
    const { page, problems } = await newPage(browser, { width: 390, height: 844 });
    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/admin-log?resourceType=policy`);
    const row = page.getByRole('region', { name: 'Administrator actions' }).locator(':scope > table > tbody > tr').first();
    await row.locator('summary').click();
    await row.locator('table.changes').waitFor();
    await screenshot(page, '44-admin-log-phone');
    assert.deepEqual(problems, []);
  });

  it('a bad filter is shown plainly', async () => {
    const { page } = await newPage(browser);
    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/admin-log?action=${'x'.repeat(80)}`);
    const alert = page.getByRole('alert');
    await alert.first().waitFor();
    assert.match((await alert.first().textContent()) ?? '', /action: /);
    await screenshot(page, '43-admin-log-bad-filter');
  });

  it('a read-only key has no Administrator actions page', async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, c.url, readOnlyKey);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Auth log' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Administrator actions' }).count(), 0);
    await page.goto(`${c.url}/console/#/admin-log`);
    await page.getByRole('heading', { level: 1, name: 'Not available for your role' }).waitFor();
    assert.deepEqual(problems, []);
  });
});

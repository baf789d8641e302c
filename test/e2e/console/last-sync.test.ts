import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../../support/collector-on.js';
import { DATABASES } from '../../support/postgres.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';
import { OWNER_TOKEN } from '../../support/collector.js';

const DAY = 86_400_000;

/**
 * "Last sync" is the last sync that succeeded (the inventory's age), never a later attempt
 * that failed; that failure shows apart, with when it happened, its code and its message, on
 * the dashboard and the integrations list alike.
 */
for (const database of DATABASES) {
  describeUnless(database.skip)(`an integration whose latest sync failed (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let browser: Browser | undefined;
    let integrationId: string;
    const syncedAt = Date.now() - 3 * DAY;

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Laptops', platforms: ['linux'], config: {} });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      integrationId = created.body.id;
      const good = await c.admin('PUT', `/admin/v1/integrations/${integrationId}/inventory`, 'serial_number\nSER1X\n', {
        contentType: 'text/csv',
      });
      assert.equal(good.status, 200, JSON.stringify(good.body));
      // That good upload was three days ago: the inventory is that old.
      await c.store.knex('integrations').where({ id: integrationId }).update({ synced_at: syncedAt });
      await c.store
        .knex('sync_runs')
        .where({ integration_id: integrationId })
        .update({ started_at: syncedAt - 1_000, finished_at: syncedAt });
      // Today's upload is refused (a quote never closed): a failed attempt, the old inventory kept.
      const bad = await c.admin('PUT', `/admin/v1/integrations/${integrationId}/inventory`, 'serial_number\n"SER2X\n', {
        contentType: 'text/csv',
      });
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
    });
    afterAll(async () => {
      await browser?.close();
      await c?.close();
    });

    /** The failed attempt as the integrations listing gives it. */
    async function failedRun(): Promise<{ status: string; finishedAt: number; error: string; errorCode: string }> {
      const listed = await c.admin('GET', '/admin/v1/integrations');
      const run = (listed.body.integrations as { id: string; lastSync: any }[]).find((i) => i.id === integrationId)?.lastSync;
      assert.equal(run?.status, 'failed');
      assert.equal(typeof run.errorCode, 'string');
      assert.ok(run.finishedAt > syncedAt + DAY);
      return run;
    }

    it('the dashboard API: syncedAt is the last good sync, lastSync the failed attempt with its code', async () => {
      const run = await failedRun();
      const dashboard = await c.admin('GET', '/admin/v1/dashboard');
      const [integration] = dashboard.body.integrations;
      assert.equal(integration.syncedAt, syncedAt);
      assert.equal(integration.health, 'failing');
      assert.deepEqual(integration.lastSync, {
        status: 'failed',
        startedAt: integration.lastSync.startedAt,
        finishedAt: run.finishedAt,
        error: run.error,
        errorCode: run.errorCode,
      });
    });

    /** The cells of the row, by column, each with its text and the time it shows (a <time>'s datetime). */
    async function cells(page: Page, region: string): Promise<Record<string, { text: string; times: string[] }>> {
      const row = page.getByRole('region', { name: region, exact: true }).locator('tbody tr', { hasText: 'Laptops' });
      await row.waitFor();
      return row.evaluate((tr) =>
        Object.fromEntries(
          Array.from(tr.children).map((cell) => [
            cell.getAttribute('data-label') ?? '',
            { text: cell.textContent ?? '', times: Array.from(cell.querySelectorAll('time')).map((t) => t.getAttribute('datetime') ?? '') },
          ]),
        ),
      );
    }

    const expectRow = (
      row: Record<string, { text: string; times: string[] }>,
      run: { finishedAt: number; error: string; errorCode: string },
    ) => {
      assert.deepEqual(row['Last sync']?.times, [new Date(syncedAt).toISOString()], JSON.stringify(row));
      assert.match(row['Last sync']?.text ?? '', /3 days ago/);
      const latest = row['Latest attempt'];
      assert.deepEqual(latest?.times, [new Date(run.finishedAt).toISOString()], JSON.stringify(row));
      assert.match(latest?.text ?? '', /failed/);
      assert.ok(latest?.text.includes(run.errorCode), latest?.text);
      assert.ok(latest?.text.includes(run.error), latest?.text);
    };

    describeUnless(chromiumMissing)('the console', () => {
      it('the dashboard and the integrations list show the last good sync as "Last sync" and the failure apart', async () => {
        const run = await failedRun();
        browser = await launchBrowser();
        const { page, problems } = await newPage(browser);
        await signIn(page, c.url, OWNER_TOKEN);
        expectRow(await cells(page, 'Integration health'), run);
        await screenshot(page, `last-sync-dashboard-${database.name}`);
        await page.goto(`${c.url}/console/#/integrations`);
        expectRow(await cells(page, 'Integrations'), run);
        await screenshot(page, `last-sync-integrations-${database.name}`);
        assert.deepEqual(problems, []);
      });
    });
  });
}

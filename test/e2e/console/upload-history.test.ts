import assert from 'node:assert/strict';
import { it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite, screenshot } from './browser.js';

/**
 * Newcomer r7: a refused upload is recorded as a failed run, but the integration's Sync history
 * went on saying "No sync or upload yet." (or showing the older rows) until a reload.
 */
describeUnless(chromiumMissing)("a refused CSV upload shows in the integration's sync history at once", () => {
  const suite = ownerConsoleSuite();

  const upload = async (name: string, text: string) => {
    await suite.page.getByLabel('Inventory CSV').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    await suite.page.getByRole('button', { name: 'Upload CSV' }).click();
  };

  it('an invalid platform, then an unclosed quote: each failed row appears without a reload', async () => {
    const { c, page, problems } = suite;
    const csv = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Sheet', platforms: ['macos'], config: {} })).body;
    await page.goto(`${c.url}/console/#/integrations/${csv.id}`);
    const history = page.getByRole('region', { name: 'Sync history' });
    await history.getByText('No sync or upload yet.').waitFor();

    await upload('bad-platform.csv', 'serial_number,platform\nC02X,toaster\n');
    await page.getByRole('alert').getByText('toaster', { exact: false }).waitFor();
    // The header row and the failed run.
    await history.getByRole('row').nth(1).getByText('failed', { exact: true }).waitFor();
    await screenshot(page, 'upload-history-refused');
    assert.equal(await history.getByText('No sync or upload yet.').count(), 0);
    assert.equal(await history.getByRole('row').count(), 2);

    await upload('unclosed.csv', 'serial_number,platform\n"C02Y,macos\n');
    await page.getByRole('alert').getByText('never closed', { exact: false }).waitFor();
    await history.getByRole('row').nth(2).waitFor();
    assert.equal(await history.getByRole('row').count(), 3);
    const { syncs } = (await c.admin('GET', `/admin/v1/integrations/${csv.id}/syncs`)).body;
    assert.deepEqual(
      syncs.map((s: { status: string }) => s.status),
      ['failed', 'failed'],
    );
    assert.deepEqual(problems, []);
  });
});

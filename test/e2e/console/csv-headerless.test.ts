import assert from 'node:assert/strict';
import { it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite } from './browser.js';

/**
 * Attacker's F9: a CSV whose only line is a device row (no header) made the console ask "Empty the
 * inventory of …?", taking the row for a header with no rows; confirmed, the upload was sent with
 * allowEmpty and the collector refused it anyway (its header names no identifier). The console now
 * takes the one line for a header only when the collector would: this file is sent as it is and
 * the collector's refusal is shown; a real header without rows is still asked about first.
 */
describeUnless(chromiumMissing)('a one-line CSV without a header row is not taken for an empty inventory', () => {
  const suite = ownerConsoleSuite();

  it("sends the headerless file without asking and shows the collector's refusal; a header alone is asked about", async () => {
    const { c, page, problems } = suite;
    const csv = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Lab sheet', platforms: ['macos'], config: {} }))
      .body;
    const kept = await c.admin(
      'PUT',
      `/admin/v1/integrations/${csv.id}/inventory`,
      'serial_number,platform\nC02KEEP1,macos\nC02KEEP2,macos\n',
      {
        contentType: 'text/csv',
      },
    );
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    const uploads: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT' && r.url().includes('/inventory')) uploads.push(new URL(r.url()).search);
    });
    await page.goto(`${c.url}/console/#/integrations/${csv.id}`);
    const upload = async (name: string, text: string) => {
      await page.getByLabel('Inventory CSV').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
      await page.getByRole('button', { name: 'Upload CSV' }).click();
    };
    const dialog = page.getByRole('dialog', { name: 'Empty the inventory of Lab sheet?' });

    await upload('one-row.csv', 'C02XG0FDH7JY,,,LAPTOP-1,macos,\n');
    // The collector's own words, naming what a header needs.
    await page.getByRole('alert').getByText('CSV header: name at least one of serial_number', { exact: false }).waitFor();
    assert.equal(await dialog.count(), 0);
    assert.equal(await dialog.isVisible(), false);
    assert.deepEqual(uploads, [''], 'sent once, without allowEmpty');
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${csv.id}`)).body.devices, 2);

    // A header and no rows: asked first; cancelled, nothing is sent.
    await upload('header-only.csv', 'Serial Number,Computer Name\n');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Nothing was uploaded: the inventory is as it was.').waitFor();
    assert.deepEqual(uploads, ['']);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${csv.id}`)).body.devices, 2);
    assert.deepEqual(problems, []);
  });
});

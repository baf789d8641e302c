import assert from 'node:assert/strict';
import { it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite } from './browser.js';

/**
 * The console read an inventory file as text (which turns bytes that are not UTF-8 into U+FFFD)
 * and sent that text re-encoded: a Latin-1 export with owner "José" was taken, stored as "Jos�",
 * and the admin read "Inventory replaced". It now sends the file's own bytes, so the collector's
 * INVALID_ENCODING refusal applies and its advice ("CSV UTF-8") is what the admin sees.
 */
describeUnless(chromiumMissing)('an inventory CSV that is not UTF-8 is refused by the collector, not mangled', () => {
  const suite = ownerConsoleSuite();

  it('sends the Latin-1 bytes as they are, shows the refusal, and keeps the inventory', async () => {
    const { c, page, problems } = suite;
    const csv = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Latin sheet', platforms: ['macos'], config: {} }))
      .body;
    const kept = await c.admin('PUT', `/admin/v1/integrations/${csv.id}/inventory`, 'serial_number,platform,owner\nC02KEEP1,macos,Ana\n', {
      contentType: 'text/csv',
    });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    // Playwright does not show a Blob body; the collector's refusal is what proves the bytes went as they are.
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT' && r.url().includes('/inventory')) sent.push(new URL(r.url()).search);
    });
    await page.goto(`${c.url}/console/#/integrations/${csv.id}`);
    // "José" in ISO-8859-1: é is the one byte 0xE9, which is not UTF-8.
    const latin1 = Buffer.concat([Buffer.from('serial_number,platform,owner\nC02NEW01,macos,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]);
    await page.getByLabel('Inventory CSV').setInputFiles({ name: 'latin1.csv', mimeType: 'text/csv', buffer: latin1 });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    await page.getByRole('alert').getByText('the body is not valid UTF-8; send it as UTF-8', { exact: false }).waitFor();
    assert.deepEqual(sent, [''], 'sent once, without allowEmpty');
    assert.equal(await page.getByText('Inventory replaced', { exact: false }).count(), 0);
    const after = (await c.admin('GET', `/admin/v1/integrations/${csv.id}`)).body;
    assert.equal(after.devices, 1);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${csv.id}/identifiers/C02KEEP1`)).body.found, true);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${csv.id}/identifiers/C02NEW01`)).body.found, false);
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import { it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite } from './browser.js';

/**
 * Users are shown only an application's name when asked to vouch for their device: the console's
 * form refuses a look-alike of an existing name, and says on the form which application has it.
 */
describeUnless(chromiumMissing)('the console refuses an application name that reads as another', () => {
  const suite = ownerConsoleSuite();

  it('shows APPLICATION_NAME_TAKEN on the form, naming the application, and flags the Name field', async () => {
    const { page, problems, c } = suite;
    const existing = await c.admin('POST', '/admin/v1/applications', { name: 'Payroll', redirectUris: ['https://payroll.example/cb'] });
    assert.equal(existing.status, 201);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByLabel('Name').fill('PayroII');
    await page.getByLabel('Redirect URIs (one per line)').fill('https://evil.example/cb');
    await page.getByRole('button', { name: 'Create application' }).click();
    const form = page.getByRole('region', { name: 'Add an application' });
    const alert = form.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.ok(text.includes(`${existing.body.id} ("Payroll")`), text);
    assert.ok(text.includes('409 APPLICATION_NAME_TAKEN'), text);
    assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
    const names = (await c.admin('GET', '/admin/v1/applications')).body.applications.map((a: { name: string }) => a.name);
    assert.deepEqual(names, ['Payroll']);
    assert.deepEqual(problems, []);
  });
});

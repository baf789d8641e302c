import assert from 'node:assert/strict';
import { it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite, screenshot } from './browser.js';

/**
 * Newcomer r7: rotating the secret while the creation panel was still open left the old, dead
 * secret on screen below the new one, where an admin could copy the wrong one.
 */
describeUnless(chromiumMissing)('the console shows only the live client secret after a rotation', () => {
  const suite = ownerConsoleSuite();

  const rotate = async () => {
    await suite.page.getByRole('button', { name: 'Rotate secret' }).click();
    await suite.page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
  };

  it('a rotation replaces the creation panel, and a second rotation the first one', async () => {
    const { page, problems } = suite;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByLabel('Name').fill('Console App');
    await page.getByLabel('Redirect URIs (one per line)').fill('https://console-app.example.com/callback');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('region', { name: 'Application created — copy its credentials' }).waitFor();
    const first = await page.getByRole('textbox', { name: 'Client secret' }).inputValue();
    assert.match(first, /^dts_/);

    await rotate();
    const panel = page.getByRole('region', { name: 'New client secret — copy it now' });
    await panel.waitFor();
    await screenshot(page, 'application-secret-rotated');
    assert.equal(await page.getByRole('region', { name: 'Application created — copy its credentials' }).count(), 0);
    const secrets = page.getByRole('textbox', { name: 'Client secret' });
    assert.equal(await secrets.count(), 1, 'one secret on screen');
    const second = await secrets.inputValue();
    assert.notEqual(second, first);
    assert.equal(await page.getByText(first).count(), 0);
    assert.equal(
      await page.locator('input').evaluateAll((inputs, old) => inputs.filter((i) => (i as HTMLInputElement).value === old).length, first),
      0,
      'the dead secret is in no field',
    );

    await rotate();
    // Done when the second secret has left every field and one secret panel remains.
    await page.waitForFunction(
      (old) =>
        Array.from(document.querySelectorAll('input')).every((i) => i.value !== old) &&
        document.querySelectorAll('section.secret').length === 1,
      second,
    );
    assert.equal(await page.getByRole('region', { name: 'New client secret — copy it now' }).count(), 1);
    const third = await page.getByRole('textbox', { name: 'Client secret' }).inputValue();
    assert.notEqual(third, second);
    assert.deepEqual(problems, []);
  });
});

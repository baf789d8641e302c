import assert from 'node:assert/strict';
import { it } from 'vitest';
import { ADMIN_RESOURCE_TYPES } from '@devtrust/collector/domain/admin-log';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite, screenshot } from './browser.js';

/**
 * Newcomer r7: the Resource filter of Administrator actions lacked `backup` and
 * `trusted-endpoints-key`, though entries of both are logged. The console's list is held to the
 * collector's, so the two cannot drift apart again.
 */
describeUnless(chromiumMissing)("the console's admin log filter offers every resource type the log can hold", () => {
  const suite = ownerConsoleSuite();

  it("the Resource filter's options are the collector's ADMIN_RESOURCE_TYPES, and Any", async () => {
    const { page, problems } = suite;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administrator actions' }).click();
    const filter = page.getByLabel('Resource', { exact: true });
    await filter.waitFor();
    const values = await filter.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    assert.equal(values[0], '', 'Any comes first');
    assert.deepEqual([...values.slice(1)].sort(), [...ADMIN_RESOURCE_TYPES].sort());
    assert.equal(new Set(values).size, values.length, 'no type twice');

    // Chosen, a type filters the list through the API (which knows it).
    for (const type of ['trusted-endpoints-key', 'backup']) {
      const answer = page.waitForResponse((r) => r.url().includes(`/admin/v1/admin-log?resourceType=${type}&`));
      await filter.selectOption(type);
      assert.equal((await answer).status(), 200, `the API took ${type}`);
      await page.waitForURL(new RegExp(`resourceType=${type}`));
    }
    // A fresh collector has logged neither yet.
    await page.getByText('No entry matches these filters.').first().waitFor();
    await screenshot(page, 'admin-log-resource-filter-backup');
    assert.deepEqual(problems, []);
  });
});

import assert from 'node:assert/strict';
import { it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, ownerConsoleSuite } from './browser.js';

/**
 * The "Add integration" form started with every platform the kind covers ticked: an admin adding
 * Jamf Pro got iOS ticked too (listed only with "Also sync iPhones and iPads"), a CSV every
 * platform, and devices of a platform the inventory cannot hold were judged against it. Now a
 * kind with one sensible answer starts with it (Jamf Pro and Kandji: macOS), every other with
 * none, and the form will not submit until a box is ticked, saying so beside the boxes, as the
 * API refuses an integration without platforms.
 */
const TICKED: Record<string, string[]> = { 'jamf-pro': ['macos'], kandji: ['macos'] };

const boxes = (page: Page) => page.getByRole('group', { name: 'Platforms this integration covers' }).getByRole('checkbox');
const values = (page: Page, which: 'all' | 'ticked') =>
  boxes(page).evaluateAll(
    (els, w) => els.filter((e) => w === 'all' || (e as HTMLInputElement).checked).map((e) => (e as HTMLInputElement).value),
    which,
  );

describeUnless(chromiumMissing)('the new-integration form ticks only the platforms the kind can hold', () => {
  const s = ownerConsoleSuite();

  it('the API has no default: an integration without platforms is refused', async () => {
    for (const platforms of [undefined, []]) {
      const refused = await s.c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'No platforms', platforms, config: {} });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.field, 'platforms');
    }
  });

  it('each kind offers its platforms and starts with its default ticked, or none', async () => {
    const { body } = await s.c.admin('GET', '/admin/v1/kinds');
    await s.page.goto(`${s.c.url}/console/#/integrations/new`);
    for (const kind of body.kinds as { kind: string; label: string; platforms: string[]; defaultPlatforms: string[] }[]) {
      await s.page.getByLabel('Kind').selectOption(kind.kind);
      await s.page.getByRole('group', { name: `${kind.label} connection` }).waitFor();
      assert.deepEqual(await values(s.page, 'all'), kind.platforms, `${kind.kind}: offered`);
      assert.deepEqual(await values(s.page, 'ticked'), TICKED[kind.kind] ?? [], `${kind.kind}: ticked`);
      assert.deepEqual(kind.defaultPlatforms, TICKED[kind.kind] ?? [], `${kind.kind}: GET /admin/v1/kinds defaultPlatforms`);
    }
    assert.deepEqual(s.problems, []);
  });

  it('CSV: nothing ticked, the form refuses to submit and says why beside the boxes; ticked, it creates', async () => {
    const posted: string[] = [];
    s.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/admin/v1/integrations')) posted.push(r.postData() ?? '');
    });
    await s.page.goto(`${s.c.url}/console/#/integrations/new`);
    await s.page.getByLabel('Kind').selectOption('csv');
    await s.page.getByLabel('Name', { exact: true }).fill('Lab machines');
    const group = s.page.getByRole('group', { name: 'Platforms this integration covers' });
    await group.getByText('Tick the platforms of the devices this inventory holds.').waitFor();
    await s.page.getByRole('button', { name: 'Create integration' }).click();
    await group.getByText('Tick at least one platform: the integration covers only the platforms ticked here.').waitFor();
    assert.equal(await group.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(posted, [], 'the form was sent without platforms');
    assert.match(s.page.url(), /#\/integrations\/new$/);

    await group.getByLabel('Linux').check();
    assert.equal(await group.getAttribute('aria-invalid'), null);
    assert.equal(await group.getByText('Tick at least one platform').count(), 0);
    await s.page.getByRole('button', { name: 'Create integration' }).click();
    await s.page.waitForURL(/#\/integrations\/int_/);
    assert.deepEqual(JSON.parse(posted[0]!).platforms, ['linux']);
    const id = s.page.url().split('/').pop()!;
    assert.deepEqual((await s.c.admin('GET', `/admin/v1/integrations/${id}`)).body.platforms, ['linux']);
    assert.deepEqual(s.problems, []);
  });

  it('Jamf Pro: created as it starts, it covers macOS only', async () => {
    await s.page.goto(`${s.c.url}/console/#/integrations/new`);
    await s.page.getByLabel('Kind').selectOption('jamf-pro');
    await s.page.getByLabel('Name', { exact: true }).fill('Corporate Macs');
    await s.page.locator('input[name="config.baseUrl"]').fill('https://example.jamfcloud.com');
    await s.page.locator('input[name="config.clientId"]').fill('client-id-0001');
    await s.page.locator('input[name="config.clientSecret"]').fill('client-secret-0001');
    await s.page.getByRole('button', { name: 'Create integration' }).click();
    await s.page.waitForURL(/#\/integrations\/int_/);
    const id = s.page.url().split('/').pop()!;
    assert.deepEqual((await s.c.admin('GET', `/admin/v1/integrations/${id}`)).body.platforms, ['macos']);
    assert.deepEqual(s.problems, []);
  });
});

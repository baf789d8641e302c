import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** These pairs are seconds old: the quiet period (its own test: collector/test/store/reenrollment-races.test.ts) is off here. */
const NO_QUIET_PERIOD = { DEVTRUST_REENROLLMENT_QUIET_MINUTES: '0' };

/** The console's "Release re-enrolled devices…": preview as the confirm step, then the release, then what was freed. */
describeUnless(chromiumMissing)('the admin console: releasing re-enrolled devices in bulk', () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  const agents: TestAgent[] = [];
  const ids: Record<string, string> = {};
  const laptop = (n: number): DeviceIdentity => ({
    platform: 'macos',
    hostname: `mbp-${n}`,
    serialNumber: `C02BULK0000${n}`,
    hardwareUuid: `4C4C4544-0042-3510-8052-B4C04F4B000${n}`,
  });
  const enroll = async (name: string, identity: DeviceIdentity) => {
    const started = await startTestAgent(c.url, identity);
    agents.push(started);
    ids[name] = started.agent.status().endpointId as string;
    return started;
  };
  let old1: TestAgent;
  const endpoint = async (name: string) => (await c.admin('GET', `/admin/v1/endpoints/${ids[name]}`)).body;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: NO_QUIET_PERIOD });
    old1 = await enroll('old1', laptop(1));
    await enroll('old2', laptop(2));
    const old3 = await enroll('old3', laptop(3));
    await enroll('new1', laptop(1));
    await enroll('new2', laptop(2));
    await enroll('new3', laptop(3));
    const enrolled = (await endpoint('new3')).enrolledAt as number;
    while (Date.now() <= enrolled) await new Promise((resolve) => setTimeout(resolve, 2));
    await old3.agent.reportNow();
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  it('previews the pairs and the skipped one with its reason, releases after a confirmation, and says what was freed (owners and admins only)', async () => {
    // A read-only key is not offered it (the API would answer 403 anyway).
    const key = (await c.admin('POST', '/admin/v1/api-keys', { name: 'help desk', role: 'read-only' })).body.key as string;
    await signIn(page, c.url, key);
    await page.goto(`${c.url}/console/#/endpoints`);
    await page.getByRole('region', { name: 'Endpoints' }).getByText('mbp-3').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Release re-enrolled devices…' }).count(), 0);
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/endpoints`);
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    const panel = page.getByRole('region', { name: 'Re-enrolled devices' });
    await panel.getByRole('region', { name: 'Devices to release' }).getByText('mbp-1').waitFor();
    await panel.getByRole('region', { name: 'Devices to release' }).getByText('mbp-2').waitFor();
    const skipped = panel.getByRole('region', { name: 'Skipped endpoints' });
    await skipped.getByText('mbp-3').waitFor();
    await skipped.getByText('the old endpoint still reports').waitFor();
    assert.equal(await endpoint('old1').then((e) => e.releasedAt), null, 'the preview changes nothing');
    await screenshot(page, '60-reenrolled-preview');

    // While the preview is open, mbp-1's old key reports again: the confirmed set no longer holds.
    await old1.agent.reportNow();
    await panel.getByRole('button', { name: 'Release 2 devices…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release 2 re-enrolled devices?' });
    await dialog.getByText('nothing is released and you preview again').waitFor();
    await dialog.getByText('Only the 2 re-enrolled devices listed are released').waitFor();
    await screenshot(page, '61-reenrolled-confirm');
    await dialog.getByRole('button', { name: 'Release 2 re-enrolled devices' }).click();
    await page.getByText('409 REENROLLMENTS_CHANGED').waitFor();
    assert.equal(await panel.count(), 0, 'the stale preview is gone');
    await screenshot(page, '62-reenrolled-changed');
    for (const name of ['old1', 'old2']) assert.equal((await endpoint(name)).releasedAt, null, name);

    // Previewed again: mbp-1 is skipped now, mbp-2 is released.
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    await panel.getByRole('region', { name: 'Skipped endpoints' }).getByText('mbp-1').waitFor();
    // Narrowed to new endpoints enrolled after a time none did: nothing to release.
    await panel.getByLabel('Only new endpoints enrolled after').fill('2099-01-01T00:00');
    await panel.getByRole('button', { name: 'Preview again' }).click();
    await panel.getByText('No pending endpoint is a safe re-enrollment to release in bulk.').waitFor();
    assert.equal(await panel.getByRole('button', { name: /^Release \d/ }).count(), 0, 'nothing to release: no release button');
    assert.equal(await panel.getByRole('button', { name: 'Close' }).count(), 1);
    await screenshot(page, '63-reenrolled-window');
    await panel.getByLabel('Only new endpoints enrolled after').fill('');
    await panel.getByRole('button', { name: 'Preview again' }).click();
    await panel.getByRole('button', { name: 'Release 1 device…' }).click();
    const one = page.getByRole('dialog', { name: 'Release 1 re-enrolled device?' });
    await one.getByText('Only the re-enrolled device listed is released:').waitFor();
    await one.getByRole('button', { name: 'Release 1 re-enrolled device' }).click();
    // Named: the device, its old endpoint, and the new endpoint that holds its identifiers now.
    await page
      .getByText(`Released the old endpoint of mbp-2 (${ids.old2}); its new endpoint ${ids.new2} now holds its identifiers.`, {
        exact: true,
      })
      .first()
      .waitFor();
    await screenshot(page, '64-reenrolled-released');

    assert.equal(typeof (await endpoint('old2')).releasedAt, 'number');
    assert.equal((await endpoint('new2')).approval, 'approved');
    assert.equal((await endpoint('old1')).releasedAt, null);
    assert.equal((await endpoint('new1')).approval, 'pending');
    assert.equal((await endpoint('old3')).releasedAt, null);
    assert.equal((await endpoint('new3')).approval, 'pending');

    // Nothing left to release: said so, with the skipped ones below and why.
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    await panel
      .getByText('No pending endpoint is a safe re-enrollment to release in bulk. 2 endpoints were skipped, listed below with why.', {
        exact: true,
      })
      .waitFor();
    await panel.getByRole('region', { name: 'Skipped endpoints' }).getByText('mbp-3').waitFor();
    await screenshot(page, '65-reenrolled-none');
    await panel.getByRole('button', { name: 'Close' }).click();
    assert.equal(await panel.count(), 0);

    // A wave of five more: the first few named, then how many more.
    for (const n of [4, 5, 6, 7, 8]) await enroll(`old${n}`, laptop(n));
    for (const n of [4, 5, 6, 7, 8]) await enroll(`new${n}`, laptop(n));
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    await panel.getByRole('button', { name: 'Release 5 devices…' }).click();
    await page
      .getByRole('dialog', { name: 'Release 5 re-enrolled devices?' })
      .getByRole('button', { name: 'Release 5 re-enrolled devices' })
      .click();
    await page
      .getByText('Released the old endpoints of mbp-4, mbp-5, mbp-6 and 2 more; their new endpoints now hold their identifiers.', {
        exact: true,
      })
      .first()
      .waitFor();
    await screenshot(page, '66-reenrolled-released-many');
    for (const n of [4, 5, 6, 7, 8]) assert.equal((await endpoint(`new${n}`)).approval, 'approved', `new${n}`);
    assert.deepEqual(problems, []);
  });
});

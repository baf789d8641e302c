import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { IMAGE, startClonedFleet, type ClonedFleet } from '../../support/cloned-fleet.js';
import { OWNER_TOKEN } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * What the console tells an admin who re-imaged a fleet with one disk image on three machines
 * (no new MachineGuid): advice per skip reason in the bulk preview, an Approve dialog that says
 * what approving costs the holder, and a "Release ep_…" confirmation on a copy's page that warns
 * when the endpoint it would retire is the real device, trusted and still reporting.
 */
describeUnless(chromiumMissing)('the admin console: a re-imaged fleet with a cloned disk image', () => {
  let fleet: ClonedFleet;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    fleet = await startClonedFleet();
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, fleet.c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  const endpoint = async (id: string | undefined) => (await fleet.c.admin('GET', `/admin/v1/endpoints/${id}`)).body;
  /** The confirmation's text after clicking `button`; cancelled, so nothing changes. */
  async function confirmation(button: string, title: string): Promise<string> {
    await page.getByRole('button', { name: button, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: title });
    await dialog.waitFor();
    const text = (await dialog.locator('#confirm-message').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    return text;
  }

  it('the bulk preview says what to do about each skip reason, once per reason', async () => {
    await page.goto(`${fleet.c.url}/console/#/endpoints`);
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    const panel = page.getByRole('region', { name: 'Re-enrolled devices' });
    const advice = panel.getByRole('list', { name: 'What to do' });
    await advice.waitFor();
    await screenshot(page, '70-clone-advice');
    const items = await advice.getByRole('listitem').allInnerTexts();
    assert.deepEqual(items.map((i) => i.slice(0, i.indexOf(': '))).sort(), [
      'enrolled too recently (the old key may still report)',
      'several new endpoints claim the same device',
      'the old endpoint still reports',
    ]);
    const say = (label: string) => items.find((i) => i.startsWith(label)) ?? '';
    assert.equal(
      say('several new endpoints'),
      'several new endpoints claim the same device: a disk image copied without resetting its MachineGuid (or a device cloned): reset it on the copies (Windows: sysprep /generalize, or a new MachineGuid), let them report, then approve each copy that now reports identifiers of its own.',
    );
    assert.match(
      say('enrolled too recently'),
      /: wait until the time given under Why \(DEVTRUST_REENROLLMENT_QUIET_MINUTES after the new key enrolled, default 30\), then preview again\.$/,
    );
    assert.equal(say('the old endpoint still reports'), 'the old endpoint still reports: check which machine is which before releasing.');
    assert.equal(await panel.getByText('once checked').count(), 0);
    // The too-recent row's Why gives the time, and the setting that sets it.
    await panel
      .getByRole('region', { name: 'Skipped endpoints' })
      .getByText(/waits until \S+ in case .* reports again \(DEVTRUST_REENROLLMENT_QUIET_MINUTES\)/)
      .waitFor();
  });

  it("the Approve dialog says what approving does to the holder, and sends a re-imaged device's key to release", async () => {
    await page.goto(`${fleet.c.url}/console/#/endpoints/${fleet.ids.newA}`);
    const text = await confirmation('Approve', `Approve ${fleet.ids.newA} "wks-a"?`);
    assert.doesNotMatch(text, /reinstalled agent/);
    assert.match(text, /the endpoint already holding them stops being trusted through them while both report them/);
    assert.match(text, /Approve only a different device that legitimately shares them/);
    assert.match(text, /release the old endpoint on this endpoint's page instead/);
    assert.equal((await endpoint(fleet.ids.newA)).approval, 'pending');
  });

  it("a copy's Release button warns when the endpoint it retires is trusted and still reporting; a silent one's does not", async () => {
    const { ids } = fleet;
    const holder = await endpoint(ids.image1);
    assert.equal(holder.trusted, true, JSON.stringify(holder.matchReasons));
    await page.goto(`${fleet.c.url}/console/#/endpoints/${ids.image2}`);
    const warned = await confirmation(`Release ${ids.image1}`, `Release the identifiers of ${ids.image1}?`);
    await screenshot(page, '71-clone-release-warning');
    assert.match(
      warned,
      new RegExp(
        `^${ids.image1} "lab-image" has reported since ${ids.image2} "lab-image" enrolled on its identifiers \\(last seen .+\\): it may be the real device, still in use, and ${ids.image2} and 1 more a copy of its disk image\\. Releasing it retires its key for good`,
      ),
    );
    assert.equal((await endpoint(ids.image1)).releasedAt, null);

    // A re-imaged laptop's old key, silent since its new key enrolled: the plain confirmation.
    await page.goto(`${fleet.c.url}/console/#/endpoints/${ids.newA}`);
    const plain = await confirmation(`Release ${ids.oldA}`, `Release the identifiers of ${ids.oldA}?`);
    assert.match(plain, /^This endpoint's device key gives up/);
    assert.deepEqual(problems, []);
  });

  it("the holder's page lists the copies waiting on it, and its own Release button says it may be the real device", async () => {
    const { ids } = fleet;
    await page.goto(`${fleet.c.url}/console/#/endpoints/${ids.image1}`);
    const waiting = page.getByRole('region', { name: 'Waiting on its identifiers' });
    await waiting.waitFor();
    assert.match(
      (await waiting.textContent()) ?? '',
      /^Waiting on its identifiers2 endpoints wait for approval because they report identifiers this endpoint holds\./,
    );
    assert.deepEqual(await waiting.getByRole('listitem').evaluateAll((items) => items.map((li) => li.querySelector('code')?.textContent)), [
      ids.image2,
      ids.image3,
    ]);
    const warned = await confirmation('Release identifiers', `Release the identifiers of ${ids.image1} "lab-image"?`);
    assert.match(warned, new RegExp(`^${ids.image1} "lab-image" has reported since ${ids.image2} "lab-image" enrolled`));
    assert.equal((await endpoint(ids.image1)).releasedAt, null);

    // A re-imaged laptop's new key, pending on the old one that went quiet: no such section on the new one, the plain confirmation on the old.
    await page.goto(`${fleet.c.url}/console/#/endpoints/${ids.oldA}`);
    await page.getByRole('region', { name: 'Waiting on its identifiers' }).waitFor();
    const plain = await confirmation('Release identifiers', `Release the identifiers of ${ids.oldA} "wks-a"?`);
    assert.match(plain, /^This endpoint's device key gives up/);
    assert.deepEqual(problems, []);
  });

  it('a copy given identifiers of its own says it claims nothing now, and offers no release', async () => {
    const { ids } = fleet;
    const copy = fleet.agents[2];
    assert.equal(copy?.agent.status().endpointId, ids.image3);
    copy?.setIdentity({ ...IMAGE, serialNumber: 'LAB-IMAGE-3', machineGuid: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d' });
    await copy?.agent.reportNow();
    await page.goto(`${fleet.c.url}/console/#/endpoints/${ids.image3}`);
    const pending = page.getByRole('region', { name: 'Awaiting approval' });
    await pending.waitFor();
    assert.match(
      (await pending.textContent()) ?? '',
      /It reports none of these now \(its identifiers were reset, or the endpoint holding them is gone\): approving it binds what it reports now and makes no other endpoint a duplicate\./,
    );
    assert.equal(await pending.getByRole('button', { name: `Release ${ids.image1}` }).count(), 0);
    await screenshot(page, '72-clone-claims-now');
    assert.deepEqual(problems, []);
  });
});

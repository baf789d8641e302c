import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import type { DeviceIdentity } from '@devtrust/shared/identity';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { describeUnless } from '../../support/skip.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** Would set window.__xss if it ever ran (the CSP would block it too, so the DOM is checked as well). */
const EVIL = '<img src=x onerror="window.__xss=1">';

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
      .getByText(`Released the old endpoint ${ids.old2} "mbp-2"; its new endpoint ${ids.new2} now holds its identifiers.`, {
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
      .getByText(
        `Released the old endpoints ${ids.old4} "mbp-4", ${ids.old5} "mbp-5", ${ids.old6} "mbp-6" and 2 more; their new endpoints now hold their identifiers.`,
        {
          exact: true,
        },
      )
      .first()
      .waitFor();
    await screenshot(page, '66-reenrolled-released-many');
    for (const n of [4, 5, 6, 7, 8]) assert.equal((await endpoint(`new${n}`)).approval, 'approved', `new${n}`);
    assert.deepEqual(problems, []);
  });
});

/**
 * What tells the rows apart when hostnames do not: each identifier with its kind, each endpoint's
 * id and when its key enrolled and was last seen, and ids in the result where a hostname repeats.
 * Hostnames and identifiers come from agents' reports, so they are an attacker's to choose.
 */
describeUnless(chromiumMissing)('the admin console: re-enrolled devices that look alike', () => {
  let c: TestCollector;
  let browser: Browser;
  const agents: TestAgent[] = [];
  const ids: Record<string, string> = {};
  /** A serial number that is markup; stored normalised (upper case, no spaces): still markup. */
  const HOSTILE_SERIAL = '<SVG/ONLOAD=ALERT(1)>';
  /** Two Windows laptops imaged alike: one hostname (an attacker's markup), their own hardware. */
  const imaged = (n: number): DeviceIdentity => ({
    platform: 'windows',
    hostname: EVIL,
    serialNumber: n === 1 ? HOSTILE_SERIAL : `5CG2GOLD00${n}`,
    hardwareUuid: `9A1B2C3D-0000-4000-8000-00000000000${n}`,
    machineGuid: `7E0D3C2B-1111-4222-8333-44444444444${n}`,
  });
  /** A virtual machine: its re-enrollment and a clone of it report exactly the same. */
  const vm: DeviceIdentity = {
    platform: 'linux',
    hostname: 'vm-7',
    hardwareUuid: '1F2E3D4C-5B6A-4798-8A9B-0C1D2E3F4A57',
    serialNumber: 'VMW-7',
  };
  const enroll = async (name: string, identity: DeviceIdentity) => {
    const started = await startTestAgent(c.url, identity);
    agents.push(started);
    ids[name] = started.agent.status().endpointId as string;
  };
  /** The preview at a laptop's width, opened once; the release (the last test) changes it. */
  let laptop: Preview;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: NO_QUIET_PERIOD });
    await enroll('oldA1', imaged(1));
    await enroll('oldA2', imaged(2));
    await enroll('oldVm', vm);
    await enroll('newA1', imaged(1));
    await enroll('newA2', imaged(2));
    await enroll('newVm', vm);
    await enroll('cloneVm', vm);
    browser = await launchBrowser();
    laptop = await preview(1280, 800);
    await screenshot(laptop.page, '67-reenrolled-look-alike');
  });
  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) await agent.stop();
    await c?.stop();
  });

  interface Preview {
    page: Page;
    problems: string[];
    panel: Locator;
    /** Each row's text as shown (innerText: a line per block), candidates then skipped. */
    candidateRows: string[];
    skippedRows: string[];
  }

  /** The preview opened on a page of this size, as an owner. */
  async function preview(width: number, height: number): Promise<Preview> {
    const { page, problems } = await newPage(browser, { width, height });
    await signIn(page, c.url, OWNER_TOKEN);
    await page.goto(`${c.url}/console/#/endpoints`);
    await page.getByRole('button', { name: 'Release re-enrolled devices…' }).click();
    const panel = page.getByRole('region', { name: 'Re-enrolled devices' });
    const candidates = panel.getByRole('region', { name: 'Devices to release' });
    const skipped = panel.getByRole('region', { name: 'Skipped endpoints' });
    await candidates.locator('tbody tr').nth(1).waitFor();
    await skipped.locator('tbody tr').nth(1).waitFor();
    return {
      page,
      problems,
      panel,
      candidateRows: await candidates.locator('tbody tr').allInnerTexts(),
      skippedRows: await skipped.locator('tbody tr').allInnerTexts(),
    };
  }

  /** The preview and its tables that scroll sideways (wider than they are shown), by class. */
  const sideways = (panel: Locator): Promise<string[]> =>
    panel.evaluate((el) =>
      [el, ...Array.from(el.querySelectorAll('.table-wrap'))].filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.className),
    );

  it('shows each identifier with its kind, and an identifier or hostname that is markup as text', async () => {
    const { page, panel, candidateRows } = laptop;
    assert.equal(candidateRows.length, 2);
    for (const [row, n] of candidateRows.map((row, i) => [row, i + 1] as const)) {
      // As stored: normalised, without the dashes.
      const { hardwareUuid, machineGuid } = imaged(n);
      assert.ok(row.includes(`Hardware UUID\n${hardwareUuid?.replace(/-/g, '')}`), row);
      assert.ok(row.includes(`MachineGuid\n${machineGuid?.replace(/-/g, '')}`), row);
      assert.ok(row.startsWith(`${ids[`newA${n}`]} ${JSON.stringify(EVIL)}\nWindows`), row);
    }
    assert.ok(candidateRows[0]?.includes(`Serial number\n${HOSTILE_SERIAL}`), candidateRows[0]);
    assert.ok(candidateRows[1]?.includes('Serial number\n5CG2GOLD002'), candidateRows[1]);
    // One text, as sent; no element was made of the markup and nothing ran.
    assert.equal(await panel.getByText(HOSTILE_SERIAL, { exact: true }).count(), 1);
    assert.equal(await panel.locator('img, svg, script').count(), 0);
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
  });

  it('tells apart a device and its clone, and two laptops imaged alike, by each endpoint and when its key enrolled and was last seen', () => {
    // A device and its clone: both wait on the same old endpoint, under one hostname, for one reason.
    assert.equal(laptop.skippedRows.length, 2);
    const [vmRow, cloneRow] = laptop.skippedRows as [string, string];
    assert.notEqual(vmRow, cloneRow);
    assert.ok(vmRow.includes(ids.newVm as string) && !vmRow.includes(ids.cloneVm as string), vmRow);
    assert.ok(cloneRow.includes(ids.cloneVm as string) && !cloneRow.includes(ids.newVm as string), cloneRow);
    for (const row of laptop.skippedRows) {
      assert.ok(/^ep_\S+ "vm-7"\nLinux/.test(row) && row.includes(ids.oldVm as string), row);
      assert.match(row, /enrolled\s+\S.*\d{2}:\d{2}:\d{2}[\s\S]*last seen\s+\S/);
      // What it claims, with the kind: what the admin checks before releasing one at a time.
      assert.ok(row.includes(`Hardware UUID\n${vm.hardwareUuid?.replace(/-/g, '')}`), row);
    }

    // Two laptops imaged alike: one hostname, each its own endpoints.
    const [rowA1, rowA2] = laptop.candidateRows as [string, string];
    assert.notEqual(rowA1, rowA2);
    for (const [row, n] of [
      [rowA1, 1],
      [rowA2, 2],
    ] as const) {
      assert.ok(row.includes(ids[`newA${n}`] as string) && row.includes(ids[`oldA${n}`] as string), row);
      assert.match(row, /enrolled\s+\S.*\d{2}:\d{2}:\d{2}[\s\S]*last seen\s+\S/);
    }
  });

  it('fits a laptop and a phone: nothing in the preview scrolls sideways', async () => {
    assert.deepEqual(await sideways(laptop.panel), [], 'at a laptop’s width');
    const phone = await preview(390, 844);
    await screenshot(phone.page, '68-reenrolled-look-alike-narrow');
    assert.deepEqual(await sideways(phone.panel), [], 'on a phone, each row a card');
    assert.deepEqual(phone.problems, []);
    await phone.page.context().close();
  });

  it('names look-alike devices apart in what the release says it did', async () => {
    const { page, panel, problems } = laptop;
    await panel.getByRole('button', { name: 'Release 2 devices…' }).click();
    await page
      .getByRole('dialog', { name: 'Release 2 re-enrolled devices?' })
      .getByRole('button', { name: 'Release 2 re-enrolled devices' })
      .click();
    // The page's message (the live region for screen readers says it too).
    const said = page.locator('.msg-ok', { hasText: 'Released the old endpoints' }).first();
    await said.waitFor();
    await screenshot(page, '69-reenrolled-look-alike-released');
    // Each old endpoint's id, then the shared hostname quoted and cut as in a list: "a and a" would name neither.
    const cut = JSON.stringify(`${[...EVIL].slice(0, 23).join('')}…`);
    assert.equal(
      await said.textContent(),
      `Released the old endpoints ${ids.oldA1} ${cut} and ${ids.oldA2} ${cut}; their new endpoints now hold their identifiers.`,
    );
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    assert.deepEqual(problems, []);
  });
});

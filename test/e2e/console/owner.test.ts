import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import type { Browser, Page } from 'playwright-core';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { wrapApp } from '../../support/app.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

const LAPTOP = {
  platform: 'windows' as const,
  hardwareUuid: '4C4C4544-0042-3510-8052-B4C04F4E4D32',
  serialNumber: 'PF2ABCDE',
  machineGuid: '6f1a2b3c-0000-4d5e-8f90-abcdef012345',
  hostname: 'LAPTOP-ALICE',
  osVersion: '10.0.22631',
  macAddresses: ['3C:22:FB:12:34:56'],
  edr: [{ vendor: 'cisco-secure-endpoint' as const, installed: true, running: true, connectorId: 'a1b2c3d4-0000-1111-2222-333344445555' }],
};
const INVENTORY = [
  'serial_number,hardware_uuid,device_name,platform,owner',
  'PF2ABCDE,4c4c4544-0042-3510-8052-b4c04f4e4d32,LAPTOP-ALICE,windows,alice',
  'C02ZK0XYMD6M,,MAC-CAROL,macos,carol',
  // Two findings for the Findings page: a serial held twice, and a placeholder serial.
  'C02ZK0XYMD6M,,MAC-CAROL-OLD,macos,carol',
  'To Be Filled By O.E.M.,,WHITEBOX,windows,',
].join('\n');

describeUnless(chromiumMissing)('the admin console, signed in as owner', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let endpointId: string;
  let app: { id: string; clientId: string; clientSecret: string };

  beforeAll(async () => {
    c = await startTestCollector();
    agent = await startTestAgent(c.url, LAPTOP);
    endpointId = (await c.admin('GET', '/admin/v1/endpoints')).body.endpoints[0].id;
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await c?.stop();
  });

  it('serves the console with its own CSP, no-cache HTML and immutable versioned assets', async () => {
    const index = await fetch(`${c.url}/console/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.equal(
      index.headers.get('content-security-policy'),
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    const html = await index.text();
    const script = /src="(\/console\/assets\/[0-9a-f]{12}\/js\/app\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html points at a versioned app.js');
    const js = await fetch(`${c.url}${script}`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await fetch(`${c.url}${script.replace('js/app.js', 'css/console.css')}`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    // An explicit Cache-Control stops fetch from adding "no-cache", which (rightly) defeats revalidation.
    const again = await fetch(`${c.url}${script}`, {
      headers: { 'if-none-match': js.headers.get('etag') as string, 'cache-control': 'max-age=0' },
    });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${c.url}/console/assets/000000000000/js/app.js`)).status, 404);
    assert.equal((await fetch(`${c.url}${script.replace('app.js', '../../../server.ts')}`)).status, 404);
    assert.equal((await fetch(`${c.url}/console`, { redirect: 'manual' })).headers.get('location'), '/console/');
    // The rest of the collector keeps the strict default.
    assert.match((await fetch(`${c.url}/healthz`)).headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  it('signs in with the owner key and shows the role', async () => {
    await page.goto(`${c.url}/console/`);
    await page.getByLabel('API key').waitFor();
    await screenshot(page, '01-sign-in');
    await signIn(page, c.url, OWNER_TOKEN);
    assert.equal(await page.locator('#who-role').textContent(), 'owner');
    // The dashboard is the owner's first page.
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    for (const item of [
      'Dashboard',
      'Endpoints',
      'Integrations',
      'Applications',
      'Global policy',
      'Users & groups',
      'Auth log',
      'Administrator actions',
      'Findings',
      'API keys',
      'Enrollment key',
    ]) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: item }).waitFor();
    }
  });

  it('lists the enrolled endpoint and opens its detail', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: 'LAPTOP-ALICE' }).waitFor();
    await screenshot(page, '02-endpoints');
    await page.getByRole('searchbox', { name: 'Search' }).fill('nothing-like-this');
    await page.getByText('No endpoint matches this search.').waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('laptop-al');
    await page.getByRole('link', { name: 'LAPTOP-ALICE' }).click();
    await page.getByRole('heading', { level: 1, name: 'LAPTOP-ALICE' }).waitFor();
    await page.getByText('PF2ABCDE').waitFor();
    await page.getByText('a1b2c3d4-0000-1111-2222-333344445555').waitFor();
    await page.getByText('No inventory record matched this endpoint.').waitFor();
    await screenshot(page, '03-endpoint-detail');
  });

  it('creates a CSV integration, uploads its inventory, finds an identifier and activates it', async () => {
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Kind').selectOption('workspace-one');
    await page.getByLabel('OAuth client').check();
    await page.getByLabel('Token URL').waitFor();
    await screenshot(page, '04-integration-new-workspace-one');
    await page.getByLabel('Kind').selectOption('csv');
    await page.getByLabel('Name').fill('Corporate inventory');
    // A CSV starts with no platform ticked: the admin says which its rows are.
    await page.getByLabel('Windows').check();
    await page.getByLabel('macOS').check();
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Corporate inventory' }).waitFor();

    await page.getByLabel('Inventory CSV').setInputFiles({ name: 'inventory.csv', mimeType: 'text/csv', buffer: Buffer.from(INVENTORY) });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    await page.getByText('Inventory replaced: 4 devices from inventory.csv.').waitFor();
    // What the upload warns about is shown, as devtrustctl prints it: here a column it does not read.
    const withColour = INVENTORY.split('\n')
      .map((line, i) => `${line},${i === 0 ? 'colour' : 'grey'}`)
      .join('\n');
    await page.getByLabel('Inventory CSV').setInputFiles({ name: 'coloured.csv', mimeType: 'text/csv', buffer: Buffer.from(withColour) });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    await page.getByText(/Inventory replaced: 4 devices from coloured\.csv\. Warning: .*"colour"/).waitFor();

    // Written the way people paste them: lower case, dashes, spaces.
    await page.getByRole('searchbox', { name: 'Identifier' }).fill(' pf2-abcde ');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/Found — this device has synced/).waitFor();
    await page.getByRole('searchbox', { name: 'Identifier' }).fill('NOT-IN-THERE');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/No device with "NOT-IN-THERE"/).waitFor();

    // A test group no known user is in is saved, with the server's warning after the confirmation.
    await page.getByLabel(/Test groups/).check();
    await page.getByLabel(/Groups \(comma-separated\)/).fill('Nobody Here');
    await page.getByRole('button', { name: 'Save activation' }).click();
    await page.getByText(/Activation saved: .*\(Nobody Here\)\. Warning: no user is in "Nobody Here"/).waitFor();

    await page.getByLabel(/All users/).check();
    await page.getByRole('button', { name: 'Save activation' }).click();
    await page.getByText('Activation saved: All users.').waitFor();
    await screenshot(page, '05-integration-detail');

    const { integrations } = (await c.admin('GET', '/admin/v1/integrations')).body;
    assert.equal(integrations.length, 1);
    assert.equal(integrations[0].activation.mode, 'all-users');
    assert.equal(integrations[0].devices, 4);
    await page.getByRole('link', { name: 'Integrations', exact: true }).first().click();
    await page.getByRole('cell', { name: /all users/ }).waitFor();
    await screenshot(page, '06-integrations');
  });

  it('creates an application and shows its client secret once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click();
    await page.getByLabel('Name').fill('Payroll');
    await page.getByLabel('Redirect URIs (one per line)').fill('https://payroll.example.com/callback');
    await page.getByLabel('Trusted endpoints').selectOption('require-trusted');
    await screenshot(page, '07-applications');
    await page.getByRole('button', { name: 'Create application' }).click();
    const secret = page.getByRole('textbox', { name: 'Client secret' });
    await secret.waitFor();
    const clientSecret = await secret.inputValue();
    const clientId = await page.getByRole('textbox', { name: 'Client ID' }).inputValue();
    assert.match(clientSecret, /^dts_/);
    await screenshot(page, '08-application-created');
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    app = { id, clientId, clientSecret };
    // The secret works, and the page never shows it again.
    assert.equal((await c.admin('GET', `/admin/v1/applications/${id}`)).body.policy.trustedEndpoints, 'require-trusted');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Payroll' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Client secret' }).count(), 0);
    assert.equal(await page.getByText(clientSecret).count(), 0);
  });

  it('changes the global policy', async () => {
    await page.getByRole('link', { name: 'Global policy' }).click();
    await page.getByLabel('Block compromised').check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Global policy saved. New verdicts apply it at once.').waitFor();
    assert.equal((await c.admin('GET', '/admin/v1/policy')).body.blockCompromised, true);
    assert.equal(await page.getByLabel('Block compromised').isChecked(), true);
    await screenshot(page, '09-policy');
  });

  it('shows a verdict in the auth log with its reasons', async () => {
    const tx = await wrapApp(c, app).open('alice@example.com');
    await agent.agent.attest(tx);
    assert.equal((await wrapApp(c, app).read(tx)).body.verdict, 'trusted');
    await page.getByRole('link', { name: 'Auth log' }).click();
    await page.getByLabel('User').fill('alice@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row').filter({ hasText: 'alice@example.com' });
    await row.getByText('Payroll').waitFor();
    await row.locator('summary').click();
    await row.getByText(/matches record "LAPTOP-ALICE" of integration "Corporate inventory"/).waitFor();
    await screenshot(page, '10-auth-log');
  });

  it('blocks the endpoint from the UI; the API sees it blocked', async () => {
    await page.goto(`${c.url}/console/#/endpoints/${encodeURIComponent(endpointId)}`);
    await page
      .getByText(/matches record "LAPTOP-ALICE"/)
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Block' }).click();
    const dialog = page.getByRole('dialog', { name: `Block ${endpointId} "LAPTOP-ALICE"?` });
    await screenshot(page, '11-block-confirm');
    await dialog.getByRole('button', { name: 'Block endpoint' }).click();
    await page.getByText(`${endpointId} "LAPTOP-ALICE" is blocked.`, { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Unblock' }).waitFor();
    assert.equal((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.blocked, true);
    // Its last verdict (trusted, allowed) predates the block, and the page says so.
    const last = page.getByRole('region', { name: 'Last verdict' });
    await last.getByText('trusted · allow').waitFor();
    await last.getByText('Given before the endpoint was blocked: every sign-in it attests is denied now.').waitFor();
    await screenshot(page, '12-endpoint-blocked');
  });

  it('manages users, findings, API keys and the enrollment key', async () => {
    await page.getByRole('link', { name: 'Users & groups' }).click();
    await page.getByLabel('Username').fill('alice@example.com');
    await page.getByLabel('Groups (comma-separated)').fill('pilot, engineering');
    await page.getByRole('button', { name: 'Save groups' }).click();
    await page.getByRole('row').filter({ hasText: 'alice@example.com' }).getByText('engineering').waitFor();
    assert.deepEqual((await c.admin('GET', '/admin/v1/users')).body.users[0].groups.sort(), ['engineering', 'pilot']);
    await screenshot(page, '13-users');

    await page.getByRole('link', { name: 'Findings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Findings' }).waitFor();
    await page
      .getByRole('region', { name: 'Warnings' })
      .getByText(/C02ZK0XYMD6M/)
      .waitFor();
    await page
      .getByRole('region', { name: 'Information' })
      .getByText(/placeholder/)
      .waitFor();
    await screenshot(page, '14-findings');

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('Helpdesk');
    await page.getByLabel('Role').selectOption('read-only');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByRole('textbox', { name: 'API key' }).inputValue();
    assert.equal((await c.admin('GET', '/admin/v1/endpoints', undefined, { token: key })).status, 200);
    await page.getByRole('cell', { name: 'Helpdesk' }).waitFor();
    await screenshot(page, '15-api-keys');
    await page.getByRole('button', { name: 'Revoke Helpdesk' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('Helpdesk revoked.', { exact: true }).first().waitFor();
    assert.equal((await c.admin('GET', '/admin/v1/endpoints', undefined, { token: key })).status, 401);

    await page.getByRole('link', { name: 'Enrollment key' }).click();
    await page.getByRole('button', { name: 'Rotate enrollment key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate key' }).click();
    assert.match(await page.getByRole('textbox', { name: 'Enrollment key' }).inputValue(), /^dte_/);
    await screenshot(page, '16-enrollment');
  });

  it('works on a phone-sized screen', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await signIn(phone.page, c.url, OWNER_TOKEN);
    await phone.page.getByRole('img', { name: /Sign-ins per/ }).waitFor();
    await screenshot(phone.page, '17-dashboard-phone');
    await phone.page.goto(`${c.url}/console/#/endpoints`);
    await phone.page.getByRole('link', { name: 'LAPTOP-ALICE' }).waitFor();
    await screenshot(phone.page, '17-endpoints-phone');
    await phone.page.close();
    assert.deepEqual(phone.problems, []);
  });

  it('logged no script error or CSP violation on any page', () => {
    assert.deepEqual(problems, []);
  });
});

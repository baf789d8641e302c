import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createProtectedApp } from '@devtrust/example-protected-app/app';
import { describeUnless } from '../support/skip.js';
import { createTestApp, csvInventory, wrapApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { BROWSER_SKIP, freePort, launchBrowser, newPage, screenshot } from './prompt/harness.js';

/** The admin's daily work through the real admin API: names, secrets, blocks, CSV exports. */
for (const db of DATABASES)
  describeUnless(db.skip)(`an admin's daily work (${db.name})`, () => {
    let c: CollectorOnDatabase;
    const agents: TestAgent[] = [];

    beforeAll(async () => {
      c = await collectorOn(db.name, { scheduler: false });
    });
    afterAll(async () => {
      for (const agent of agents) await agent.stop();
      await c?.close();
    });

    const csv = (name: string) => ({ kind: 'csv', name, platforms: ['windows', 'macos'], config: {} });

    it('integration names are unique without regard to case: 409 INTEGRATION_NAME_TAKEN, and nothing changes', async () => {
      const first = await c.admin('POST', '/admin/v1/integrations', csv('Corporate laptops'));
      assert.equal(first.status, 201);
      for (const name of ['Corporate laptops', 'CORPORATE LAPTOPS', 'corporate Laptops', 'Corporate   laptops']) {
        const again = await c.admin('POST', '/admin/v1/integrations', csv(name));
        assert.equal(again.status, 409, name);
        assert.equal(again.body.error.code, 'INTEGRATION_NAME_TAKEN');
        assert.match(again.body.error.message, /already exists/);
      }
      // Full-width letters fold to the same name (NFKC) too.
      assert.equal((await c.admin('POST', '/admin/v1/integrations', csv('Ｃorporate laptops'))).status, 409);
      const second = await c.admin('POST', '/admin/v1/integrations', csv('Test boxes'));
      assert.equal(second.status, 201);
      const rename = await c.admin('PATCH', `/admin/v1/integrations/${second.body.id}`, { name: 'corporate LAPTOPS' });
      assert.equal(rename.status, 409);
      assert.equal(rename.body.error.code, 'INTEGRATION_NAME_TAKEN');
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${second.body.id}`)).body.name, 'Test boxes');
      // An integration may change the case of its own name; a freed name can be taken.
      assert.equal((await c.admin('PATCH', `/admin/v1/integrations/${first.body.id}`, { name: 'Corporate Laptops (EU)' })).status, 200);
      assert.equal((await c.admin('PATCH', `/admin/v1/integrations/${first.body.id}`, { name: 'corporate laptops (eu)' })).status, 200);
      assert.equal((await c.admin('PATCH', `/admin/v1/integrations/${second.body.id}`, { name: 'Corporate laptops' })).status, 200);
      // A name that folding lengthens 18 times (U+FDFA), at the 200-character limit: kept, and still unique.
      const long = '\uFDFA'.repeat(200);
      assert.equal((await c.admin('POST', '/admin/v1/integrations', csv(long))).status, 201);
      assert.equal((await c.admin('POST', '/admin/v1/integrations', csv(long))).body.error.code, 'INTEGRATION_NAME_TAKEN');
      // Two creates racing for one name: the database's unique index lets exactly one win.
      const raced = await Promise.all([1, 2, 3, 4].map(() => c.admin('POST', '/admin/v1/integrations', csv('Raced name'))));
      assert.deepEqual(raced.map((r) => r.status).sort(), [201, 409, 409, 409]);
      const names = (await c.admin('GET', '/admin/v1/integrations')).body.integrations.map((i: any) => i.name.toLowerCase());
      assert.equal(new Set(names).size, names.length);
    });

    it("rotating an application's secret: the new one is shown once and works, the old one stops at once", async () => {
      const app = await createTestApp(c, { trustedEndpoints: 'allow-all' }, 'Rotating app');
      assert.ok(await app.open('alice@example.com'));
      const rotated = await c.admin('POST', `/admin/v1/applications/${app.id}/rotate-secret`);
      assert.equal(rotated.status, 200);
      assert.equal(rotated.body.clientId, app.clientId);
      assert.match(rotated.body.clientSecret, /^dts_/);
      assert.notEqual(rotated.body.clientSecret, app.clientSecret);
      // Shown once: never again in a read.
      assert.equal(
        JSON.stringify((await c.admin('GET', `/admin/v1/applications/${app.id}`)).body).includes(rotated.body.clientSecret),
        false,
      );
      await assert.rejects(app.open('alice@example.com'), /unknown client or wrong client secret/);
      assert.ok(await wrapApp(c, { ...app, clientSecret: rotated.body.clientSecret }).open('alice@example.com'));
      // Rotations at once: each answers a secret it holds or 409; exactly one secret works in the end.
      const burst = await Promise.all([1, 2, 3, 4, 5].map(() => c.admin('POST', `/admin/v1/applications/${app.id}/rotate-secret`)));
      for (const r of burst) assert.ok(r.status === 200 || r.body.error.code === 'SECRET_ROTATED_CONCURRENTLY', JSON.stringify(r.body));
      const working = await Promise.all(
        burst
          .filter((r) => r.status === 200)
          .map((r) =>
            wrapApp(c, { ...app, clientSecret: r.body.clientSecret })
              .open('alice@example.com')
              .then(
                () => true,
                () => false,
              ),
          ),
      );
      assert.equal(working.filter(Boolean).length, 1);
      const missing = await c.admin('POST', '/admin/v1/applications/app_missing/rotate-secret');
      assert.equal(missing.status, 404);
      // Read-only keys cannot rotate.
      const readOnly = (await c.admin('POST', '/admin/v1/api-keys', { name: 'ro', role: 'read-only' })).body.key as string;
      const refused = await c.admin('POST', `/admin/v1/applications/${app.id}/rotate-secret`, undefined, { token: readOnly });
      assert.equal(refused.status, 403);
    });

    it("a blocked endpoint's reasons say it is blocked, first; unblocked, they no longer do", async () => {
      await csvInventory(c, 'serial_number,device_name,platform\nPF2BLOCK1,LAPTOP-EVE,windows\n', { name: 'Eve inventory' });
      const agent = await startTestAgent(c.url, { platform: 'windows', serialNumber: 'PF2BLOCK1', hostname: 'LAPTOP-EVE' });
      agents.push(agent);
      const id = agent.agent.status().endpointId as string;
      const before = (await c.admin('GET', `/admin/v1/endpoints/${id}`)).body;
      assert.equal(before.trusted, true);
      assert.match(before.matchReasons[0], /^trusted: /);
      const blocked = (await c.admin('POST', `/admin/v1/endpoints/${id}/block`)).body;
      assert.equal(blocked.trusted, false);
      assert.match(blocked.matchReasons[0], /^untrusted: an administrator blocked this endpoint/);
      const shown = (await c.admin('GET', `/admin/v1/endpoints/${id}`)).body;
      assert.match(shown.matchReasons[0], /blocked/);
      const listed = (await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.find((e: any) => e.id === id);
      assert.match(listed.matchReasons[0], /blocked/);
      const unblocked = (await c.admin('DELETE', `/admin/v1/endpoints/${id}/block`)).body;
      assert.equal(unblocked.trusted, true);
      assert.doesNotMatch(unblocked.matchReasons.join('\n'), /blocked/);
    });

    it('a CSV export with MDM column names uploads as it comes: aliases, merged MAC columns, unused columns named', async () => {
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Intune export',
        platforms: ['windows', 'macos'],
        config: { matchMacAddresses: true },
      });
      const id = created.body.id as string;
      const intune = [
        'Device name,Serial number,OS,OS version,Primary user UPN,Wi-Fi MAC,Ethernet MAC,Compliance',
        'LAPTOP-ZOE,PF2ZOE01,Windows,10.0.22631,zoe@example.com,3C:22:FB:00:00:01,00:1A:2B:00:00:02,Compliant',
        'MAC-YAN,C02YAN0001,macOS 14.2.1,14.2.1,yan@example.com,,,Compliant',
      ].join('\r\n');
      const upload = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, intune, { contentType: 'text/csv' });
      assert.equal(upload.status, 200, JSON.stringify(upload.body));
      assert.equal(upload.body.devices, 2);
      assert.deepEqual(upload.body.warnings, ['2 columns were not used: "OS version", "Compliance" (see docs/csv-format.md)']);
      const zoe = (await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/PF2ZOE01`)).body.device;
      assert.equal(zoe.deviceName, 'LAPTOP-ZOE');
      assert.equal(zoe.platform, 'windows');
      assert.equal(zoe.owner, 'zoe@example.com');
      assert.deepEqual([...zoe.macAddresses].sort(), ['001A2B000002', '3C22FB000001']);
      // Both MAC columns count: the Ethernet MAC alone finds the record.
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/00-1a-2b-00-00-02`)).body.found, true);
      const yan = (await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/C02YAN0001`)).body.device;
      assert.equal(yan.platform, 'macos');

      const jamf =
        'Computer Name,Serial Number,UDID,Username,Email Address,Operating System\nMBP-ANA,C02ANA0001,4C4C4544-0042-3510-8052-B4C04F4E0A0A,ana,ana@example.com,macOS 15.1\n';
      const jamfUpload = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, jamf, { contentType: 'text/csv' });
      assert.equal(jamfUpload.status, 200, JSON.stringify(jamfUpload.body));
      // Two owner columns: the first is read, the second named as unused.
      assert.deepEqual(jamfUpload.body.warnings, ['1 column was not used: "Email Address" (see docs/csv-format.md)']);
      const ana = (await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/4C4C4544004235108052B4C04F4E0A0A`)).body.device;
      assert.deepEqual([ana.deviceName, ana.owner, ana.platform], ['MBP-ANA', 'ana', 'macos']);

      // A header name is echoed safely: no escape sequence or bidi override reaches a terminal.
      const hostile = `Serial Number,\u001b[31mred\u202E${'x'.repeat(100)}\nPF2HOSTILE,y\n`;
      const echoed = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, hostile, { contentType: 'text/csv' });
      assert.equal(echoed.status, 200, JSON.stringify(echoed.body));
      assert.match(echoed.body.warnings[0], /^1 column was not used: "<U\+001B>\[31mred<U\+202E>x{54}…"/);
      await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, jamf, { contentType: 'text/csv' });
      // Still refused: a header with nothing to match on, and a column written twice.
      const none = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, 'Model,Compliance\nX,Y\n', { contentType: 'text/csv' });
      assert.equal(none.status, 400);
      assert.match(none.body.error.message, /name at least one of serial_number, hardware_uuid, machine_guid, mac_addresses/);
      const twice = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, 'Serial Number,serial number\nA,B\n', {
        contentType: 'text/csv',
      });
      assert.equal(twice.status, 400);
      assert.match(twice.body.error.message, /named twice/);
      // The refused uploads left the Jamf inventory in place.
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}`)).body.devices, 1);
    });

    it('the CSV template holds the header the integration reads: mac_addresses only with MAC matching on', async () => {
      const plain = (await c.admin('POST', '/admin/v1/integrations', csv('Template plain'))).body.id;
      const withMacs = (await c.admin('POST', '/admin/v1/integrations', { ...csv('Template macs'), config: { matchMacAddresses: true } }))
        .body.id;
      const fetchTemplate = (id: string) =>
        fetch(`${c.url}/admin/v1/integrations/${id}/inventory/template`, {
          headers: { authorization: `Bearer dtk_test-owner-token-0123456789abcdef` },
        });
      const a = await fetchTemplate(plain);
      assert.equal(a.status, 200);
      assert.match(a.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(a.headers.get('content-disposition') ?? '', /attachment; filename="devtrust-inventory-template.csv"/);
      assert.equal(await a.text(), 'serial_number,hardware_uuid,machine_guid,device_name,platform,owner\r\n');
      assert.equal(
        await (await fetchTemplate(withMacs)).text(),
        'serial_number,hardware_uuid,machine_guid,device_name,platform,owner,mac_addresses\r\n',
      );
      // Uploaded unchanged, the template is refused as empty: it holds no device.
      const template = await (await fetchTemplate(plain)).text();
      const upload = await c.admin('PUT', `/admin/v1/integrations/${plain}/inventory`, template, { contentType: 'text/csv' });
      assert.equal(upload.body.error.code, 'EMPTY_INVENTORY');
      const edr = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'sentinelone',
        name: 'S1',
        platforms: ['windows'],
        config: { baseUrl: 'https://s1.example', apiToken: 't-123' },
      });
      assert.equal((await fetchTemplate(edr.body.id)).status, 400);
    });
  });

describeUnless(BROWSER_SKIP)('a rotated client secret at the OIDC token endpoint (Chromium)', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let server: http.Server;

  beforeAll(async () => {
    const doorPort = await freePort();
    c = await startTestCollector({ prompt: { loopbackPorts: [doorPort] } });
    await csvInventory(c, 'serial_number,device_name,platform\nPF2OIDC01,LAPTOP-OLA,windows\n');
    agent = await startTestAgent(
      c.url,
      { platform: 'windows', serialNumber: 'PF2OIDC01', hostname: 'LAPTOP-OLA' },
      { loopback: true, loopbackPort: doorPort },
    );
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await agent?.stop();
    await c?.stop();
  });

  it('the old secret is refused with invalid_client, the new one gets an ID token', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const created = await c.admin('POST', '/admin/v1/applications', { name: 'Wiki', redirectUris: [`${url}/callback`] });
    const { id, clientId, clientSecret: oldSecret } = created.body;
    /** The example app, serving with the secret it was configured with. */
    const serveWith = async (clientSecret: string, signedRequest: boolean) => {
      const handler = await createProtectedApp({
        issuer: c.url,
        clientId,
        clientSecret,
        port: 0,
        appUrl: url,
        demoUser: null,
        signedRequest,
      });
      server.removeAllListeners('request');
      server.on('request', handler);
    };
    const signIn = async (name: string) => {
      const page = await newPage(browser);
      await page.goto(`${url}/?user=ola@example.com`);
      await page.waitForSelector('#signed-in, #failed, h1:has-text("changed on the way")');
      await screenshot(page, name);
      const result = {
        signedIn: (await page.$('#signed-in')) !== null,
        error: (await page.$('#error')) ? ((await page.textContent('#error')) ?? '') : ((await page.textContent('h1')) ?? ''),
      };
      await page.context().close();
      return result;
    };

    await serveWith(oldSecret, false);
    assert.equal((await signIn('rotate-1-before')).signedIn, true);
    const rotated = (await c.admin('POST', `/admin/v1/applications/${id}/rotate-secret`)).body;
    // The code is issued (the device is fine), then the token request with the old secret is refused.
    const stale = await signIn('rotate-2-old-secret');
    assert.equal(stale.signedIn, false);
    // The token endpoint's 401 challenge, told as what it means to the app's owner (it read
    // "OAUTH_WWW_AUTHENTICATE_CHALLENGE: server responded with a challenge…").
    assert.match(stale.error, /refused this application's client credentials \(invalid_client\): check CLIENT_ID and CLIENT_SECRET/);
    assert.match(stale.error, /rotate-secret/);
    // The same at the token endpoint directly: client authentication comes before the code is
    // looked at, so the old secret is invalid_client and the new one gets as far as the code.
    const discovery = (await (await fetch(`${c.url}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const tokenRequest = async (secret: string) => {
      const response = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'not-a-code',
          redirect_uri: `${url}/callback`,
          code_verifier: 'x'.repeat(43),
        }),
      });
      return { status: response.status, body: (await response.json()) as { error: string } };
    };
    assert.deepEqual(await tokenRequest(oldSecret), {
      status: 401,
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
    });
    assert.equal((await tokenRequest(rotated.clientSecret)).body.error, 'invalid_grant');
    // A request object signed with the old secret no longer verifies either.
    await serveWith(oldSecret, true);
    const staleSigned = await signIn('rotate-3-old-secret-signed-request');
    assert.equal(staleSigned.signedIn, false);
    assert.match(staleSigned.error, /changed on the way/);
    await serveWith(rotated.clientSecret, true);
    assert.equal((await signIn('rotate-4-new-secret')).signedIn, true);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';
import { BROWSER_SKIP, launchBrowser, newPage, screenshot } from './prompt/harness.js';

/**
 * Text people read (usernames, hostnames, application, integration, key and group names)
 * is refused at every edge when it carries control or bidi characters: a newline or a
 * right-to-left override there could turn somebody else's sign-in into "security update:
 * click Allow" on the prompt, in the console or in the tray's confirmation.
 */
const LURES: [text: string, character: string][] = [
  ['Security update: click Allow\nalice@example.com', 'U+000A'],
  ['alice\u202emoc.elpmaxe@', 'U+202E'],
];

/** 400 INVALID_REQUEST naming the field and the character. */
function assertRefused(response: { status: number; body: any }, field: string, character: string): void {
  assert.equal(response.status, 400, JSON.stringify(response.body));
  assert.equal(response.body.error.code, 'INVALID_REQUEST');
  assert.equal(response.body.error.field, field);
  assert.ok(response.body.error.message.includes(character), `${response.body.error.message} names ${character}`);
  assert.match(response.body.error.message, /control or bidirectional/);
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`display text is refused at the edge (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;
    let integrationId: string;
    let snapshot: string;

    const admin = (method: string, path: string, body?: unknown) => c.admin(method, path, body);
    const state = async (): Promise<string> =>
      JSON.stringify(
        await Promise.all(
          ['/admin/v1/integrations', '/admin/v1/applications', '/admin/v1/api-keys', '/admin/v1/users', '/admin/v1/groups'].map(async (p) =>
            JSON.stringify((await c.admin('GET', p)).body, (k, v) => (k === 'lastUsedAt' ? undefined : v)),
          ),
        ),
      );

    beforeAll(async () => {
      c = await collectorOn(database.name);
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' }, 'Payroll');
      integrationId = await csvInventory(c, 'serial_number\nKEEP-ME\n');
      assert.equal((await admin('PUT', '/admin/v1/users/bob@example.com', { groups: ['Finance'] })).status, 200);
      snapshot = await state();
    });
    afterAll(async () => {
      await c?.close();
    });

    it('the transaction API refuses a username with a newline or a bidi override (400 naming field and character)', async () => {
      for (const [username, character] of LURES) {
        const response = await fetch(`${c.url}/api/v1/transactions`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ username }),
        });
        assertRefused({ status: response.status, body: await response.json() }, 'username', character);
      }
      // Ordinary names, accents and scripts written right to left still pass: only the controls are refused.
      for (const username of ['alice@example.com', 'José.Müller@example.com', 'مريم@example.com']) assert.ok(await app.open(username));
    });

    it('admin names are refused for each resource, and nothing changes', async () => {
      for (const [text, character] of LURES) {
        assertRefused(await admin('POST', '/admin/v1/api-keys', { name: text, role: 'auditor' }), 'name', character);
        assertRefused(
          await admin('POST', '/admin/v1/applications', { name: text, redirectUris: ['https://app.example/cb'] }),
          'name',
          character,
        );
        assertRefused(await admin('PATCH', `/admin/v1/applications/${app.id}`, { name: text }), 'name', character);
        assertRefused(
          await admin('POST', '/admin/v1/integrations', { kind: 'csv', name: text, platforms: ['windows'], config: {} }),
          'name',
          character,
        );
        assertRefused(await admin('PATCH', `/admin/v1/integrations/${integrationId}`, { name: text }), 'name', character);
        assertRefused(
          await admin('PUT', `/admin/v1/integrations/${integrationId}/activation`, { mode: 'test-groups', groups: [text] }),
          'groups.0',
          character,
        );
        assertRefused(await admin('PUT', '/admin/v1/users/bob@example.com', { groups: ['Finance', text] }), 'groups.1', character);
        assertRefused(await admin('PUT', `/admin/v1/users/${encodeURIComponent(text)}`, { groups: ['Finance'] }), 'username', character);
      }
      assert.equal(await state(), snapshot, 'a refused request changed stored data');
    });

    it('an agent report with a bidi control in its hostname is a protocol error; the stored hostname is untouched', async () => {
      const ch = await RawChannel.open(c.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const report = (hostname: string) => ({
        agentVersion: '0.1.0',
        collectedAt: new Date().toISOString(),
        identity: { platform: 'windows' as const, hostname, serialNumber: 'KEEP-ME' },
      });
      ch.send(ch.signed({ type: 'report', seq: 1, report: report('LAPTOP-ALICE') }, keys));
      assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
      ch.send(ch.signed({ type: 'report', seq: 2, report: report('LAPTOP-\u202eEXE.TXT') }, keys));
      const error = await ch.next((m) => m.type === 'error');
      assert.equal(error.code, 'INVALID_MESSAGE');
      assert.match(error.message, /report\.identity\.hostname: .*U\+202E/);
      assert.equal((await ch.closed).code, 4400);
      const endpoint = await admin('GET', `/admin/v1/endpoints/${endpointId}`);
      assert.equal(endpoint.body.hostname, 'LAPTOP-ALICE');

      // The user the report names is display text too.
      const again = await RawChannel.open(c.url);
      again.endpointId = endpointId;
      again.send(again.signed({ type: 'auth', v: 1, endpointId }, keys));
      await again.next((m) => m.type === 'authenticated');
      again.send(again.signed({ type: 'report', seq: 3, report: { ...report('LAPTOP-ALICE'), user: 'alice\nadmin' } }, keys));
      assert.match((await again.next((m) => m.type === 'error')).message, /report\.user: .*U\+000A/);
      assert.equal((await again.closed).code, 4400);
    });

    it('invisible and format characters are refused too, and a leading or trailing newline, U+2028 or U+FEFF is not trimmed away', async () => {
      const open = async (username: string) => {
        const response = await fetch(`${c.url}/api/v1/transactions`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ username }),
        });
        return { status: response.status, body: await response.json() };
      };
      for (const [username, character] of [
        ['\nalice@example.com', 'U+000A'],
        ['alice@example.com\r\n', 'U+000D'],
        ['alice@example.com\u2028', 'U+2028'],
        ['\ufeffalice@example.com', 'U+FEFF'],
        ['al\u200bice@example.com', 'U+200B'],
        ['admin\u2061@example.com', 'U+2061'],
        ['alice\u{e0041}@example.com', 'U+E0041'],
        ['\u3164', 'U+3164'],
        ['alice\ue000@example.com', 'U+E000'],
        ['ali\u00adce@example.com', 'U+00AD'],
      ] as const) {
        assertRefused(await open(username), 'username', character);
        assertRefused(
          await admin('PUT', `/admin/v1/users/${encodeURIComponent(username)}`, { groups: ['Finance'] }),
          'username',
          character,
        );
        assertRefused(await admin('POST', '/admin/v1/api-keys', { name: username, role: 'auditor' }), 'name', character);
      }
      // Real names in real scripts, joiners included, still pass.
      for (const username of ['דוד.כהן@example.com', 'محمد‌رضا@example.com', '山田太郎', '김민준', 'क्‍ष@example.com', '👩‍💻 dev', '👨‍👩‍👧‍👦']) {
        assert.equal((await open(username)).status, 201, username);
      }
      assert.equal(await state(), snapshot, 'a refused request changed stored data');
    });

    it('a CSV device name or owner with a control, format or bidi character is a 400 naming the line; the inventory is kept', async () => {
      for (const [csv, character] of [
        ['serial_number,device_name\nKEEP-ME,Laptop\u202eexe.txt\n', 'U+202E'],
        ['serial_number,owner\nKEEP-ME,ali\u200bce\n', 'U+200B'],
        ['serial_number,owner\nKEEP-ME,"alice\nSecurity update"\n', 'U+000A'],
        ['serial_number,device_name\nKEEP-ME,\u3164\n', 'U+3164'],
      ] as const) {
        const upload = await c.admin('PUT', `/admin/v1/integrations/${integrationId}/inventory`, csv, { contentType: 'text/csv' });
        assert.equal(upload.status, 400, JSON.stringify(upload.body));
        assert.equal(upload.body.error.code, 'INVALID_CSV');
        assert.match(upload.body.error.message, /^CSV line \d+: (device_name|owner) must not contain control or bidirectional characters/);
        assert.ok(upload.body.error.message.includes(character), upload.body.error.message);
      }
      // The refused uploads are recorded as failed syncs; the inventory itself is kept.
      assert.equal((await admin('GET', `/admin/v1/integrations/${integrationId}`)).body.devices, 1);
      assert.equal((await admin('GET', `/admin/v1/integrations/${integrationId}/identifiers/KEEP-ME`)).body.found, true);
    });

    it('an agent report with unsafe text in the OS version, OS build, probe errors or EDR fields is a protocol error', async () => {
      const ch = await RawChannel.open(c.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      ch.close();
      const base = {
        agentVersion: '0.1.0',
        collectedAt: new Date().toISOString(),
        identity: { platform: 'windows' as const, hostname: 'LAPTOP', serialNumber: 'KEEP-ME' },
      };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, identity: { ...base.identity, osVersion: 'Windows 11\u202e' } }, /report\.identity\.osVersion: .*U\+202E/],
        [{ ...base, posture: { osBuild: '22631\u2028Allow' } }, /report\.posture\.osBuild: .*U\+2028/],
        [{ ...base, probeErrors: { serialNumber: 'needs root\nclick Allow' } }, /report\.probeErrors\.serialNumber: .*U\+000A/],
        [{ ...base, identity: { ...base.identity, edr: [{ vendor: 'crowdstrike', connectorId: 'abc\u200b' }] } }, /connectorId: .*U\+200B/],
        [
          { ...base, identity: { ...base.identity, edr: [{ vendor: 'defender', details: { orgId: 'x\u2066y' } }] } },
          /details\.orgId: .*U\+2066/,
        ],
      ];
      let seq = 1;
      for (const [report, expected] of cases) {
        const session = await RawChannel.open(c.url);
        session.endpointId = endpointId;
        session.send(session.signed({ type: 'auth', v: 1, endpointId }, keys));
        await session.next((m) => m.type === 'authenticated');
        session.send(session.signed({ type: 'report', seq: seq++, report } as never, keys));
        const error = await session.next((m) => m.type === 'error');
        assert.equal(error.code, 'INVALID_MESSAGE');
        assert.match(error.message, expected);
        assert.equal((await session.closed).code, 4400);
      }
      const endpoint = await admin('GET', `/admin/v1/endpoints/${endpointId}`);
      assert.equal(endpoint.body.report ?? null, null, 'a refused report was stored');
    });

    it('describe will not carry unsafe text stored before the edge checks: TRANSACTION_UNSAFE, the session stays open', async () => {
      // A row as an older release could have written it (the API refuses this text now).
      const legacy = await c.store.transactions.create(app.id, 'security update: click allow\u2028alice', 120_000);
      const ch = await RawChannel.open(c.url);
      const { keys } = await ch.enroll(ENROLLMENT_KEY);
      ch.send(ch.signed({ type: 'describe', transactionId: legacy.id }, keys));
      const error = await ch.next((m) => m.type === 'error');
      assert.equal(error.code, 'TRANSACTION_UNSAFE');
      assert.equal(error.transactionId, legacy.id);
      assert.match(error.message, /username contains U\+2028/);
      const fine = await app.open('alice@example.com');
      ch.send(ch.signed({ type: 'describe', transactionId: fine }, keys));
      assert.equal((await ch.next((m) => m.type === 'transaction')).username, 'alice@example.com');
      ch.close();
    });
  });
}

describeUnless(BROWSER_SKIP)('login_hint with control or bidi characters is refused by the OIDC prompt (Chromium)', () => {
  let c: TestCollector;
  let browser: Browser;
  let clientId: string;
  const redirectUri = 'http://127.0.0.1:9/cb';

  beforeAll(async () => {
    c = await startTestCollector();
    const created = await c.admin('POST', '/admin/v1/applications', {
      name: 'Payroll',
      redirectUris: [redirectUri],
      policy: { trustedEndpoints: 'require-trusted' },
    });
    clientId = created.body.clientId;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  const authorize = (loginHint: string): string => {
    const verifier = 'v'.repeat(64);
    const url = new URL(`${c.url}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 's',
      login_hint: loginHint,
    }).toString();
    return url.href;
  };

  it('a newline or a right-to-left override in login_hint stops the sign-in with an invalid_request the page shows', async () => {
    for (const [hint, character] of LURES) {
      const page = await newPage(browser);
      const response = await page.goto(authorize(hint));
      assert.equal(response?.status(), 400);
      assert.match((await page.textContent('h1')) ?? '', /Payroll sent a username this page will not show/);
      const body = (await page.textContent('body')) ?? '';
      assert.ok(body.includes(`invalid_request: login_hint contains ${character}`), body);
      assert.doesNotMatch(body, /Security update|moc\.elpmaxe/, 'the lure itself is not shown');
      if (character === 'U+202E') await screenshot(page, '9-error-login-hint-unsafe');
      await page.context().close();
    }
  });

  it('the same sign-in with a plain login_hint reaches the device check', async () => {
    const page = await newPage(browser);
    const response = await page.goto(authorize('alice@example.com'));
    assert.equal(response?.status(), 200);
    assert.ok(((await page.textContent('body')) ?? '').includes('alice@example.com'));
    await page.context().close();
  });
});

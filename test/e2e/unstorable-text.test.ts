import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY, OWNER_TOKEN } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * U+0000 (which PostgreSQL refuses in text) and lone UTF-16 surrogates (which have no UTF-8
 * form) are bad input at every edge, with or without authentication: a 4xx or a protocol
 * error, never a 500, and nothing stored changes.
 */
function assertRefused(what: string, response: { status: number; body: unknown }, status?: number): void {
  assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status} ${JSON.stringify(response.body)}`);
  if (status !== undefined) assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text.slice(0, 200) };
  }
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`NUL and lone surrogates are refused at the edge (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;
    let integrationId: string;
    let snapshot: string;

    const state = async (): Promise<string> =>
      JSON.stringify(
        await Promise.all(
          [
            '/admin/v1/integrations',
            '/admin/v1/applications',
            '/admin/v1/api-keys',
            '/admin/v1/users',
            '/admin/v1/endpoints',
            '/admin/v1/auth-log?outcome=all',
          ].map(async (p) =>
            JSON.stringify((await c.admin('GET', p)).body, (k, v) => (k === 'lastUsedAt' || k === 'lastSeenAt' ? undefined : v)),
          ),
        ),
      );

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
      integrationId = await csvInventory(c, 'serial_number,device_name\nKEEP-ME,Laptop\n');
      assert.equal((await c.admin('PUT', '/admin/v1/users/bob@example.com', { groups: ['Finance'] })).status, 200);
      snapshot = await state();
    });
    afterAll(async () => {
      await c?.close();
    });

    it('without authentication: the OIDC authorization and token endpoints, and the transaction API', async () => {
      const authorize = new URLSearchParams({
        client_id: 'a\u0000b',
        redirect_uri: 'http://127.0.0.1:9/callback',
        response_type: 'code',
        scope: 'openid',
      });
      assertRefused('GET /oidc/auth client_id=a%00b', await call(`${c.url}/oidc/auth?${authorize}`), 400);
      assertRefused(
        'GET /oidc/auth login_hint=a%00b',
        await call(`${c.url}/oidc/auth?${new URLSearchParams({ client_id: app.clientId, login_hint: 'a\u0000b' })}`),
        400,
      );
      const form = (fields: Record<string, string>): RequestInit => ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      assertRefused(
        'POST /oidc/token client_id=a%00b',
        await call(
          `${c.url}/oidc/token`,
          form({ client_id: 'a\u0000b', client_secret: 'x', grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://x/' }),
        ),
      );
      assertRefused(
        'POST /oidc/token code=a%00b',
        await call(
          `${c.url}/oidc/token`,
          form({
            client_id: app.clientId,
            client_secret: app.clientSecret,
            grant_type: 'authorization_code',
            code: 'a\u0000b',
            redirect_uri: 'http://127.0.0.1:9/callback',
            code_verifier: 'v'.repeat(64),
          }),
        ),
      );
      for (const [clientId, secret] of [
        ['a\u0000b', 'secret'],
        [app.clientId, 'se\u0000cret'],
        ['a%00b', 'secret'],
      ] as const) {
        const authorization = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
        assertRefused(
          'POST /api/v1/transactions with NUL in Basic credentials',
          await call(`${c.url}/api/v1/transactions`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'alice@example.com' }),
          }),
          401,
        );
        assertRefused(
          'GET /api/v1/transactions/x with NUL in Basic credentials',
          await call(`${c.url}/api/v1/transactions/x`, { headers: { authorization } }),
          401,
        );
      }
      const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
      assertRefused(
        'GET /api/v1/transactions/a%00b',
        await call(`${c.url}/api/v1/transactions/a%00b`, { headers: { authorization: basic } }),
        400,
      );
      assertRefused(
        'POST /api/v1/transactions username with a lone surrogate',
        await call(`${c.url}/api/v1/transactions`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/json' },
          body: '{"username": "alice\\ud800@example.com"}',
        }),
        400,
      );
      assertRefused('GET /oidc/interaction/a%00b', await call(`${c.url}/oidc/interaction/a%00b`), 400);
      assertRefused('GET /admin/v1/users/a%00b without a key', await call(`${c.url}/admin/v1/users/a%00b`));
    });

    it('admin routes: ids, usernames and query values with %00, JSON strings with \\u0000 or a lone surrogate', async () => {
      const paths: [string, string, unknown?][] = [
        ['GET', '/admin/v1/endpoints/a%00b'],
        ['DELETE', '/admin/v1/endpoints/a%00b'],
        ['POST', '/admin/v1/endpoints/a%00b/block'],
        ['GET', '/admin/v1/applications/a%00b'],
        ['PATCH', '/admin/v1/applications/a%00b', { name: 'x' }],
        ['DELETE', '/admin/v1/applications/a%00b'],
        ['GET', '/admin/v1/integrations/a%00b'],
        ['GET', `/admin/v1/integrations/${integrationId}/identifiers/a%00b`],
        ['PUT', '/admin/v1/users/a%00b', { groups: ['Finance'] }],
        ['GET', '/admin/v1/users/a%00b'],
        ['DELETE', '/admin/v1/users/a%00b'],
        ['GET', '/admin/v1/users/a%00b/integrations'],
        ['GET', '/admin/v1/groups/a%00b'],
        ['DELETE', '/admin/v1/api-keys/a%00b'],
        ['GET', '/admin/v1/auth-log?user=a%00b'],
        ['GET', '/admin/v1/endpoints?q=a%00b'],
        ['DELETE', '/admin/v1/oidc/keys/a%00b'],
      ];
      for (const [method, path, body] of paths) assertRefused(`${method} ${path}`, await c.admin(method, path, body), 400);
      const bodies: [string, string, string][] = [
        ['POST', '/admin/v1/integrations', '{"kind":"csv","name":"x","platforms":["windows"],"config":{"description":"a\\u0000b"}}'],
        ['PATCH', `/admin/v1/integrations/${integrationId}`, '{"config":{"description":"a\\u0000b"}}'],
        ['POST', '/admin/v1/applications', '{"name":"x\\ud800","redirectUris":["https://a.example/cb"]}'],
        ['POST', '/admin/v1/applications', '{"name":"x","redirectUris":["https://a.example/cb\\u0000"]}'],
        ['PUT', '/admin/v1/users/bob@example.com', '{"groups":["Fin\\u0000ance"]}'],
        ['POST', '/admin/v1/api-keys', '{"name":"k","role":"auditor\\u0000"}'],
      ];
      for (const [method, path, body] of bodies) assertRefused(`${method} ${path} ${body}`, await c.admin(method, path, body), 400);
      assert.equal(await state(), snapshot, 'a refused request changed stored data');
    });

    it('CSV uploads: a NUL in a cell or the header, or a UTF-16 file, are refused with 400 saying why', async () => {
      const upload = (body: string | Buffer) =>
        call(`${c.url}/admin/v1/integrations/${integrationId}/inventory`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'text/csv' },
          body: typeof body === 'string' ? body : new Uint8Array(body),
        });
      assertRefused('NUL in a cell', await upload('serial_number,device_name\nAB\u0000CD,Laptop\n'), 400);
      assertRefused('NUL in the header', await upload('serial_number,device\u0000_name\nABCD,Laptop\n'), 400);
      const utf16 = await upload(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('serial_number\r\nABCD\r\n', 'utf16le')]));
      assertRefused('UTF-16LE with a BOM', utf16, 400);
      assert.match(JSON.stringify(utf16.body), /UTF-16.*UTF-8/);
      assertRefused('UTF-16LE without a BOM', await upload(Buffer.from('serial_number\r\nABCD\r\n', 'utf16le')), 400);
      assertRefused('Windows-1252', await upload(Buffer.from('serial_number,owner\nABCD,Jos\xe9\n', 'latin1')), 400);
      assert.equal(await state(), snapshot, 'a refused upload changed the inventory');
    });

    it('an agent message with NUL or a lone surrogate in any string is a protocol error; nothing is stored', async () => {
      const ch = await RawChannel.open(c.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const report = (identity: Record<string, unknown>) => ({
        agentVersion: '0.1.0',
        collectedAt: new Date().toISOString(),
        identity: { platform: 'windows' as const, hostname: 'LAPTOP', serialNumber: 'KEEP-ME', ...identity },
      });
      ch.send(ch.signed({ type: 'report', seq: 1, report: report({}) }, keys));
      assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
      const before = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;

      const attempts: [Record<string, unknown>, RegExp][] = [
        [
          { type: 'report', seq: 2, report: report({ serialNumber: 'AB\u0000CD' }) },
          /report\.identity\.serialNumber: must not contain U\+0000/,
        ],
        [
          { type: 'report', seq: 2, report: report({ macAddresses: ['00:1a:2b:3c:4d:5e\ud800'] }) },
          /macAddresses\.0: must not contain U\+D800/,
        ],
        [
          { type: 'report', seq: 2, report: { ...report({}), probeErrors: { 'serial\u0000': 'x' } } },
          /probeErrors\.serial.: must not contain U\+0000/,
        ],
        [{ type: 'describe', transactionId: 'tx\u0000' }, /transactionId: must not contain U\+0000/],
        [{ type: 'attest', transactionId: 'tx\u0000' }, /transactionId: must not contain U\+0000/],
      ];
      for (const [message, expected] of attempts) {
        const session = await RawChannel.open(c.url);
        session.endpointId = endpointId;
        session.send(session.signed({ type: 'auth', v: 1, endpointId }, keys));
        await session.next((m) => m.type === 'authenticated');
        session.send(session.signed(message as never, keys));
        const error = await session.next((m) => m.type === 'error');
        assert.equal(error.code, 'INVALID_MESSAGE', JSON.stringify(error));
        assert.match(error.message, expected);
        assert.equal((await session.closed).code, 4400);
      }
      const after = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.equal(after.serialNumber ?? after.identifiers?.serialNumber, before.serialNumber ?? before.identifiers?.serialNumber);
      assert.equal(JSON.stringify(after.report ?? null), JSON.stringify(before.report ?? null));
      ch.close();
    });
  });
}

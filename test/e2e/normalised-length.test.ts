import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { ENROLLMENT_KEY, OWNER_TOKEN } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { RawChannel } from '../support/raw-channel.js';
import { describeUnless } from '../support/skip.js';

/**
 * Lengths are held to what is stored, after normalisation: "İ" lower-cases to two
 * characters, NFKC turns U+FDFA into 18 and U+3392 into 3. Text that fits only before
 * normalising is refused (or, from an agent, dropped as no identifier), never a 500.
 */
const LONG_USERNAME = 'İ'.repeat(256);

for (const database of DATABASES) {
  describeUnless(database.skip)(`lengths are checked after normalisation (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let app: TestApp;

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
    });
    afterAll(async () => {
      await c?.close();
    });

    it('a username that outgrows 256 characters when lower-cased is a 400, on the transaction API and the admin API', async () => {
      const response = await fetch(`${c.url}/api/v1/transactions`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ username: LONG_USERNAME }),
      });
      const body = (await response.json()) as { error: { code: string; field: string; message: string } };
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(body.error.field, 'username');
      assert.match(body.error.message, /once lower-cased/);
      const put = await c.admin('PUT', `/admin/v1/users/${encodeURIComponent(LONG_USERNAME)}`, { groups: ['Finance'] });
      assert.equal(put.status, 400, JSON.stringify(put.body));
      assert.equal(put.body.error.field, 'username');
      assert.equal((await c.admin('GET', `/admin/v1/users/${encodeURIComponent(LONG_USERNAME)}`)).status, 400);
      assert.deepEqual((await c.admin('GET', '/admin/v1/users')).body.users, []);
      // 128 of them (256 once lower-cased) still fit.
      assert.equal((await c.admin('PUT', `/admin/v1/users/${encodeURIComponent('İ'.repeat(128))}`, { groups: ['Finance'] })).status, 200);
    });

    it('the OIDC prompt refuses such a login_hint with its page (400), not a 500', async () => {
      const query = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: 'http://127.0.0.1:9/callback',
        response_type: 'code',
        scope: 'openid',
        state: 's',
        code_challenge: createHash('sha256').update('v'.repeat(64)).digest('base64url'),
        code_challenge_method: 'S256',
        login_hint: LONG_USERNAME,
      });
      const start = await fetch(`${c.url}/oidc/auth?${query}`, { redirect: 'manual' });
      assert.equal(start.status, 303);
      const cookie = start.headers
        .getSetCookie()
        .map((one) => one.split(';')[0])
        .join('; ');
      const page = await fetch(new URL(start.headers.get('location') ?? '', c.url), { headers: { cookie }, redirect: 'manual' });
      const text = await page.text();
      assert.equal(page.status, 400, text.slice(0, 300));
      assert.match(text, /login_hint is required \(1-256 characters\)/);
    });

    it('an agent identifier that outgrows the limit once normalised is dropped, not an internal error', async () => {
      const ch = await RawChannel.open(c.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const report = (identity: Record<string, unknown>) => ({
        agentVersion: '0.1.0',
        collectedAt: new Date().toISOString(),
        identity: { platform: 'windows' as const, hostname: 'LAPTOP', ...identity },
      });
      ch.send(ch.signed({ type: 'report', seq: 1, report: report({ serialNumber: '\uFDFA'.repeat(200) }) }, keys));
      assert.equal((await ch.next((m) => m.type === 'ack' || m.type === 'error')).seq, 1);
      ch.send(
        ch.signed(
          {
            type: 'report',
            seq: 2,
            report: report({ hardwareUuid: '\u3392'.repeat(250), machineGuid: '\uFDFA'.repeat(20), macAddresses: ['\u3392'.repeat(250)] }),
          },
          keys,
        ),
      );
      assert.equal((await ch.next((m) => m.type === 'ack' || m.type === 'error')).seq, 2);
      const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.deepEqual(endpoint.identifiers ?? {}, {}, JSON.stringify(endpoint));
      // The session is still good: a normal report goes through.
      ch.send(ch.signed({ type: 'report', seq: 3, report: report({ serialNumber: 'C02ABCDEF' }) }, keys));
      assert.equal((await ch.next((m) => m.type === 'ack')).seq, 3);
      ch.close();
    });

    it('a CSV identifier that outgrows the limit once normalised is a 400 naming the line', async () => {
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'csv',
        name: 'Inventory',
        platforms: ['windows'],
        config: {},
      });
      const upload = async (csv: string) => {
        const response = await fetch(`${c.url}/admin/v1/integrations/${created.body.id}/inventory`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'text/csv' },
          body: csv,
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      for (const csv of [
        `serial_number\nOK-1\n${'\uFDFA'.repeat(100)}\n`,
        `hardware_uuid\n${'\u3392'.repeat(250)}\n`,
        `serial_number,mac_addresses\nOK-2,${'\u3392'.repeat(200)}\n`,
      ]) {
        const answer = await upload(csv);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.error.code, 'INVALID_CSV');
        assert.match(answer.body.error.message, /CSV line \d+: \w+ is longer than 256 characters once normalised/);
      }
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.devices, 0);
    });
  });
}

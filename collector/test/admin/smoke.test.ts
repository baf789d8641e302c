import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { COLLECTOR_VERSION } from '@devtrust/collector/version';

describe('collector smoke', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(() => c.stop());

  it('serves /healthz and refuses the admin API without a key', async () => {
    const health = await fetch(`${c.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true, version: COLLECTOR_VERSION, database: 'sqlite' });
    const denied = await c.admin('GET', '/admin/v1/integrations', undefined, { token: 'nope' });
    assert.equal(denied.status, 401);
    assert.equal(denied.body.error.code, 'UNAUTHENTICATED');
    assert.equal(denied.body.error.message, 'the API key is unknown or revoked');
  });

  it('an enrollment key, client secret or client ID sent as an API key is named as such, never echoed', async () => {
    const sent: [string, RegExp][] = [
      ['dte_AbCdEf0123456789abcdefgh', /agent enrollment key \(dte_…\), not an API key; use an API key \(dtk_…\)/],
      ['dts_SecretSecretSecret01234567', /client secret \(dts_…\), not an API key/],
      ['dtc_0123456789ab', /client ID or an integration's trusted-endpoints key \(dtc_…\), not an API key/],
    ];
    for (const [token, hint] of sent) {
      const denied = await c.admin('GET', '/admin/v1/integrations', undefined, { token });
      assert.equal(denied.status, 401);
      assert.equal(denied.body.error.code, 'UNAUTHENTICATED');
      assert.match(denied.body.error.message, hint);
      assert.ok(!JSON.stringify(denied.body).includes(token.slice(4)), 'the key is not echoed');
    }
  });

  it('creates a CSV integration and uploads an inventory', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Corp',
      platforms: ['windows', 'macos', 'linux'],
      config: {},
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const up = await c.admin('PUT', `/admin/v1/integrations/${created.body.id}/inventory`, 'serial_number,device_name\nC02ABC123,mac-1\n', {
      contentType: 'text/csv',
    });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.devices, 1);
    const found = await c.admin('GET', `/admin/v1/integrations/${created.body.id}/identifiers/c02-abc-123`);
    assert.equal(found.body.found, true);
    assert.equal(found.body.device.deviceName, 'mac-1');
  });

  it('uploads a CSV larger than one insert batch (SQLite caps compound inserts at 500 rows)', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Big', platforms: ['windows'], config: {} });
    const rows = Array.from({ length: 2_345 }, (_, i) => `SERIAL-${i},mac-${i}`);
    const up = await c.admin(
      'PUT',
      `/admin/v1/integrations/${created.body.id}/inventory`,
      `serial_number,mac_addresses\n${rows.join('\n')}\n`.replace(
        /mac-(\d+)/g,
        (_m, n) =>
          `02:00:00:00:${String(Math.floor(n / 256) % 256)
            .padStart(2, '0')
            .slice(-2)}:${(Number(n) % 256).toString(16).padStart(2, '0')}`,
      ),
      { contentType: 'text/csv' },
    );
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.devices, 2_345);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.devices, 2_345);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}/identifiers/serial-2344`)).body.found, true);
  });
});

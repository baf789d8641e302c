import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LIMITS } from '@devtrust/shared/protocol';
import { csvInventory } from '../../../test/support/app.js';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

describe('admin API: bad input is refused with the field named, and changes nothing', () => {
  let c: TestCollector;
  let integrationId: string;
  let snapshot: string;

  const state = async (): Promise<string> =>
    JSON.stringify(
      await Promise.all(
        ['/admin/v1/integrations', '/admin/v1/applications', '/admin/v1/api-keys', '/admin/v1/users', '/admin/v1/policy'].map(async (p) => {
          const body = (await c.admin('GET', p)).body;
          // Last-use timestamps move with every call; everything else must stay put.
          return JSON.stringify(body, (k, v) => (k === 'lastUsedAt' ? undefined : v));
        }),
      ),
    );

  beforeAll(async () => {
    c = await startTestCollector();
    integrationId = await csvInventory(c, 'serial_number\nKEEP-ME\n');
    await c.admin('POST', '/admin/v1/applications', { name: 'App', redirectUris: ['https://app.example/cb'] });
    snapshot = await state();
  });
  afterAll(async () => {
    assert.equal(await state(), snapshot, 'a refused request changed stored data');
    await c.stop();
  });

  const cases: [string, string, string, unknown, number, string, string | undefined][] = [
    ['malformed JSON', 'POST', '/admin/v1/applications', '{"name": ', 400, 'MALFORMED_JSON', undefined],
    [
      'an unknown field',
      'POST',
      '/admin/v1/applications',
      { name: 'x', redirectUris: ['https://a.example/cb'], admin: true },
      400,
      'INVALID_REQUEST',
      'admin',
    ],
    [
      'a wrong type',
      'POST',
      '/admin/v1/applications',
      { name: 42, redirectUris: ['https://a.example/cb'] },
      400,
      'INVALID_REQUEST',
      'name',
    ],
    [
      'a bad policy value',
      'POST',
      '/admin/v1/applications',
      { name: 'x', redirectUris: ['https://a.example/cb'], policy: { trustedEndpoints: 'maybe' } },
      400,
      'INVALID_REQUEST',
      'policy.trustedEndpoints',
    ],
    [
      'an http redirect URI',
      'POST',
      '/admin/v1/applications',
      { name: 'x', redirectUris: ['http://a.example/cb'] },
      400,
      'INVALID_REQUEST',
      'redirectUris.0',
    ],
    [
      'an unknown integration kind',
      'POST',
      '/admin/v1/integrations',
      { kind: 'fax', name: 'x', platforms: ['windows'], config: {} },
      400,
      'INVALID_REQUEST',
      'kind',
    ],
    [
      'an unknown config field',
      'POST',
      '/admin/v1/integrations',
      { kind: 'csv', name: 'x', platforms: ['windows'], config: { password: 'p' } },
      400,
      'INVALID_REQUEST',
      'config.password',
    ],
    [
      'an unknown platform',
      'POST',
      '/admin/v1/integrations',
      { kind: 'csv', name: 'x', platforms: ['beos'], config: {} },
      400,
      'INVALID_REQUEST',
      'platforms.0',
    ],
    ['a bad activation mode', 'PUT', '/admin/v1/integrations/:id/activation', { mode: 'some-users' }, 400, 'INVALID_REQUEST', 'mode'],
    [
      'test-groups without groups',
      'PUT',
      '/admin/v1/integrations/:id/activation',
      { mode: 'test-groups' },
      400,
      'INVALID_REQUEST',
      'groups',
    ],
    ['a bad role', 'POST', '/admin/v1/api-keys', { name: 'x', role: 'root' }, 400, 'INVALID_REQUEST', 'role'],
    ['groups that are not strings', 'PUT', '/admin/v1/users/alice', { groups: [1] }, 400, 'INVALID_REQUEST', 'groups.0'],
    [
      'a policy with an unknown key',
      'PUT',
      '/admin/v1/policy',
      { trustedEndpoints: 'require-trusted', strict: true },
      400,
      'INVALID_REQUEST',
      'strict',
    ],
    ['an unknown query parameter', 'GET', '/admin/v1/endpoints?sort=name', undefined, 400, 'INVALID_REQUEST', 'sort'],
    [
      'a CSV without an identifier column',
      'PUT',
      '/admin/v1/integrations/:id/inventory',
      'model,colour\nX,red\n',
      400,
      'INVALID_CSV',
      'body',
    ],
    [
      'a CSV row without an identifier',
      'PUT',
      '/admin/v1/integrations/:id/inventory',
      'serial_number,device_name\nA1,ok\n,nameless\n',
      400,
      'INVALID_CSV',
      'body',
    ],
    [
      'a CSV with a bad platform',
      'PUT',
      '/admin/v1/integrations/:id/inventory',
      'serial_number,platform\nA1,amiga\n',
      400,
      'INVALID_CSV',
      'body',
    ],
  ];

  for (const [name, method, rawPath, body, status, code, field] of cases) {
    it(`${name} → ${status} ${code}${field ? ` naming ${field}` : ''}`, async () => {
      const path = rawPath.replace(':id', integrationId);
      const isCsv = path.endsWith('/inventory');
      const response = await c.admin(method, path, body, isCsv ? { contentType: 'text/csv' } : {});
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, code);
      if (field) assert.equal(response.body.error.field, field);
      assert.ok(response.body.error.message.length > 0);
    });
  }

  it('an oversized body is refused with 413 without being read whole', async () => {
    const response = await c.admin('POST', '/admin/v1/applications', JSON.stringify({ name: 'x'.repeat(LIMITS.maxHttpBodyBytes + 10) }));
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'BODY_TOO_LARGE');
  });

  it('a body that is not JSON is refused with 415', async () => {
    const response = await c.admin('POST', '/admin/v1/applications', 'name=x', { contentType: 'application/x-www-form-urlencoded' });
    assert.equal(response.status, 415);
  });

  it('the inventory kept the last good upload after every refused one', async () => {
    const found = await c.admin('GET', `/admin/v1/integrations/${integrationId}/identifiers/KEEP-ME`);
    assert.equal(found.body.found, true);
    const syncs = (await c.admin('GET', `/admin/v1/integrations/${integrationId}/syncs`)).body.syncs;
    assert.equal(syncs[0].status, 'failed');
    assert.match(syncs[0].error, /CSV/);
  });

  it('roles: read-only may read but not write, app-manager only applications, only owners manage keys', async () => {
    const readOnly = (await c.admin('POST', '/admin/v1/api-keys', { name: 'auditor', role: 'read-only' })).body.key;
    const appManager = (await c.admin('POST', '/admin/v1/api-keys', { name: 'apps', role: 'app-manager' })).body.key;
    const admin = (await c.admin('POST', '/admin/v1/api-keys', { name: 'it', role: 'admin' })).body.key;
    snapshot = await state();
    assert.equal((await c.admin('GET', '/admin/v1/integrations', undefined, { token: readOnly })).status, 200);
    assert.equal((await c.admin('PUT', '/admin/v1/policy', { blockCompromised: true }, { token: readOnly })).status, 403);
    assert.equal((await c.admin('GET', '/admin/v1/integrations', undefined, { token: appManager })).status, 403);
    assert.equal((await c.admin('GET', '/admin/v1/api-keys', undefined, { token: admin })).status, 403);
    assert.equal((await c.admin('GET', '/admin/v1/api-keys', undefined, { token: readOnly })).status, 403);
    const created = await c.admin(
      'POST',
      '/admin/v1/applications',
      { name: 'By app manager', redirectUris: ['https://a.example/cb'] },
      { token: appManager },
    );
    assert.equal(created.status, 201);
    await c.admin('DELETE', `/admin/v1/applications/${created.body.id}`);
    const keys = (await c.admin('GET', '/admin/v1/api-keys')).body.apiKeys;
    assert.ok(keys.every((k: Record<string, unknown>) => !('key' in k) && !('keyHash' in k)));
    const revoke = keys.find((k: { name: string }) => k.name === 'auditor');
    assert.equal((await c.admin('DELETE', `/admin/v1/api-keys/${revoke.id}`)).status, 204);
    assert.equal((await c.admin('GET', '/admin/v1/integrations', undefined, { token: readOnly })).status, 401);
    snapshot = await state();
  });
});

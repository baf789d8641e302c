import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../../../test/support/collector.js';

const AMP = { baseUrl: 'https://api.eu.amp.cisco.com', clientId: 'a1b2c3', apiKey: 'k-123456' };

describe('policy, EDR and people admin routes refuse bad input with the field named, and change nothing', () => {
  let c: TestCollector;
  let appId: string;
  let edrId: string;
  let snapshot: string;

  const state = async (): Promise<string> =>
    JSON.stringify(
      await Promise.all(
        ['/admin/v1/integrations', '/admin/v1/applications', '/admin/v1/users', '/admin/v1/groups', '/admin/v1/policy'].map(
          async (p) => (await c.admin('GET', p)).body,
        ),
      ),
    );

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    appId = (
      await c.admin('POST', '/admin/v1/applications', {
        name: 'App',
        redirectUris: ['https://app.example/cb'],
        policy: { trustedEndpoints: 'require-trusted' },
      })
    ).body.id;
    edrId = (
      await c.admin('POST', '/admin/v1/integrations', { kind: 'cisco-secure-endpoint', name: 'AMP', platforms: ['windows'], config: AMP })
    ).body.id;
    await c.admin('PUT', '/admin/v1/users/alice@example.com', { groups: ['Pilot'] });
    await c.admin('PUT', '/admin/v1/policy', { blockCompromised: true, minOsVersion: { macos: '14.0' } });
    snapshot = await state();
  });
  afterAll(() => c.stop());

  const edr = (kind: string, config: Record<string, unknown>, platforms = ['windows']) => ({ kind, name: 'x', platforms, config });
  const cases: [string, string, string, unknown, string][] = [
    ['an unknown edrUnknown', 'PUT', '/admin/v1/policy', { edrUnknown: 'sometimes' }, 'edrUnknown'],
    ['a health flag that is not a boolean', 'PUT', '/admin/v1/policy', { requireFirewall: 'yes' }, 'requireFirewall'],
    ['an OS version that is not a version', 'PUT', '/admin/v1/policy', { minOsVersion: { windows: 'Windows 11' } }, 'minOsVersion.windows'],
    ['an OS minimum for an unknown platform', 'PUT', '/admin/v1/policy', { minOsVersion: { beos: '5' } }, 'minOsVersion.beos'],
    ['null in the global policy', 'PUT', '/admin/v1/policy', { blockCompromised: null }, 'blockCompromised'],
    [
      'a bad app health flag',
      'POST',
      '/admin/v1/applications',
      { name: 'y', redirectUris: ['https://y.example/cb'], policy: { requireDiskEncryption: 1 } },
      'policy.requireDiskEncryption',
    ],
    [
      'a bad app OS minimum',
      'POST',
      '/admin/v1/applications',
      { name: 'y', redirectUris: ['https://y.example/cb'], policy: { minOsVersion: { macos: '14.x' } } },
      'policy.minOsVersion.macos',
    ],
    ['an unknown app policy key', 'PATCH', '/admin/v1/applications/:app', { policy: { denyEverything: true } }, 'policy.denyEverything'],
    ['a bad app edrUnknown', 'PATCH', '/admin/v1/applications/:app', { policy: { edrUnknown: 'maybe' } }, 'policy.edrUnknown'],
    [
      'a Secure Endpoint without its API key',
      'POST',
      '/admin/v1/integrations',
      edr('cisco-secure-endpoint', { baseUrl: AMP.baseUrl, clientId: 'a' }),
      'config.apiKey',
    ],
    [
      'a vendor URL in plain http',
      'POST',
      '/admin/v1/integrations',
      edr('cisco-secure-endpoint', { ...AMP, baseUrl: 'http://api.amp.cisco.com' }),
      'config.baseUrl',
    ],
    [
      'a vendor URL with credentials in it',
      'POST',
      '/admin/v1/integrations',
      edr('crowdstrike', { baseUrl: 'https://u:p@api.crowdstrike.com', clientId: 'a', clientSecret: 'b' }),
      'config.baseUrl',
    ],
    [
      'a freshness of zero minutes',
      'POST',
      '/admin/v1/integrations',
      edr('crowdstrike', { baseUrl: 'https://api.crowdstrike.com', clientId: 'a', clientSecret: 'b', freshnessMinutes: 0 }),
      'config.freshnessMinutes',
    ],
    [
      'an unknown EDR config field',
      'POST',
      '/admin/v1/integrations',
      edr('sentinelone', { baseUrl: 'https://usea1.sentinelone.net', apiToken: 't', region: 'eu' }),
      'config.region',
    ],
    [
      'an empty API token',
      'POST',
      '/admin/v1/integrations',
      edr('sentinelone', { baseUrl: 'https://usea1.sentinelone.net', apiToken: ' ' }),
      'config.apiToken',
    ],
    [
      'a platform the EDR does not cover',
      'POST',
      '/admin/v1/integrations',
      edr('sentinelone', { baseUrl: 'https://usea1.sentinelone.net', apiToken: 't' }, ['ios']),
      'platforms',
    ],
    [
      'a freshness that is not a number',
      'PATCH',
      '/admin/v1/integrations/:edr',
      { config: { freshnessMinutes: 'soon' } },
      'config.freshnessMinutes',
    ],
    ['groups that are not a list', 'PUT', '/admin/v1/users/alice@example.com', { groups: 'Pilot' }, 'groups'],
    ['an empty group name', 'PUT', '/admin/v1/users/alice@example.com', { groups: ['  '] }, 'groups.0'],
    ['an unknown user field', 'PUT', '/admin/v1/users/alice@example.com', { groups: [], admin: true }, 'admin'],
  ];
  for (const [name, method, path, body, field] of cases) {
    it(`refuses ${name} (${field})`, async () => {
      const response = await c.admin(method, path.replace(':app', appId).replace(':edr', edrId), body);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error.code, 'INVALID_REQUEST');
      assert.equal(response.body.error.field, field);
      assert.ok(response.body.error.message.length > 0);
    });
  }

  it('refuses an over-long username on the integrations view', async () => {
    const response = await c.admin('GET', `/admin/v1/users/${'a'.repeat(300)}/integrations`);
    assert.deepEqual([response.status, response.body.error.field], [400, 'username']);
  });

  it('nothing stored changed', async () => {
    assert.equal(await state(), snapshot);
  });
});

describe('policy admin routes store what they accept', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c.stop());

  it('the global policy starts with every rule off but the report age limit, and takes the new rules', async () => {
    assert.deepEqual((await c.admin('GET', '/admin/v1/policy')).body, {
      trustedEndpoints: 'allow-all',
      blockCompromised: false,
      edrUnknown: 'allow',
      requireDiskEncryption: false,
      requireFirewall: false,
      minOsVersion: {},
      maxReportAgeHours: 72,
      requireHardwareKey: false,
      requireAssurance: 'identifiers',
    });
    const put = await c.admin('PUT', '/admin/v1/policy', {
      requireDiskEncryption: true,
      edrUnknown: 'deny',
      minOsVersion: { windows: '10.0.19045', macos: '14.0' },
    });
    assert.equal(put.status, 200);
    assert.equal((await c.admin('GET', '/admin/v1/policy')).body.edrUnknown, 'deny');
    assert.deepEqual((await c.admin('GET', '/admin/v1/policy')).body.minOsVersion, { windows: '10.0.19045', macos: '14.0' });
  });

  it('an application override set to null goes back to inheriting the global value', async () => {
    const id = (
      await c.admin('POST', '/admin/v1/applications', {
        name: 'A',
        redirectUris: ['https://a.example/cb'],
        policy: { requireFirewall: true, edrUnknown: null },
      })
    ).body.id;
    assert.deepEqual((await c.admin('GET', `/admin/v1/applications/${id}`)).body.policy, { requireFirewall: true });
    await c.admin('PATCH', `/admin/v1/applications/${id}`, { policy: { requireFirewall: null, minOsVersion: {} } });
    assert.deepEqual((await c.admin('GET', `/admin/v1/applications/${id}`)).body.policy, { minOsVersion: {} });
  });

  it('an EDR integration keeps its freshness bound and never returns its credential', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'cisco-secure-endpoint',
      name: 'AMP',
      platforms: ['windows', 'macos'],
      config: { ...AMP, freshnessMinutes: 30 },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.config, { baseUrl: AMP.baseUrl, clientId: AMP.clientId, freshnessMinutes: 30 });
    assert.deepEqual(created.body.secretsSet, ['apiKey']);
    assert.equal(created.body.activation.mode, 'disabled');
    assert.equal(JSON.stringify(created.body).includes(AMP.apiKey), false);
  });
});

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';

/** The global policy applies to every application: only owners and admins change it. */
describe('global policy: who may change it', () => {
  let c: TestCollector;
  const keys: Record<string, string> = { owner: OWNER_TOKEN };
  let appId: string;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    for (const role of ['admin', 'app-manager', 'read-only']) {
      keys[role] = (await c.admin('POST', '/admin/v1/api-keys', { name: role, role })).body.key;
    }
    appId = (await c.admin('POST', '/admin/v1/applications', { name: 'Managed', redirectUris: ['https://m.example/cb'] })).body.id;
  });
  afterAll(() => c.stop());

  const expected: [string, number][] = [
    ['owner', 200],
    ['admin', 200],
    ['app-manager', 403],
    ['read-only', 403],
  ];
  for (const [role, status] of expected) {
    it(`PUT /admin/v1/policy as ${role} → ${status}`, async () => {
      const before = (await c.admin('GET', '/admin/v1/policy')).body;
      const wanted = !before.blockCompromised;
      const response = await c.admin('PUT', '/admin/v1/policy', { blockCompromised: wanted }, { token: keys[role] });
      assert.equal(response.status, status, JSON.stringify(response.body));
      const after = (await c.admin('GET', '/admin/v1/policy')).body;
      assert.equal(after.blockCompromised, status === 200 ? wanted : before.blockCompromised);
      if (status === 403) assert.equal(response.body.error.code, 'FORBIDDEN');
    });
  }

  it('an app manager reads the global policy and changes its applications’ overrides', async () => {
    const token = keys['app-manager'];
    assert.equal((await c.admin('GET', '/admin/v1/policy', undefined, { token })).status, 200);
    const patched = await c.admin('PATCH', `/admin/v1/applications/${appId}`, { policy: { requireFirewall: true } }, { token });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.policy, { requireFirewall: true });
    assert.equal((await c.admin('GET', '/admin/v1/policy')).body.requireFirewall, false);
  });
});

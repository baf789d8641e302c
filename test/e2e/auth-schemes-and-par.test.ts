import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * What a client is told to send, and what discovery offers: a 401 names the scheme its route
 * takes (HTTP Basic for the transaction API, a bearer key for the admin API), and discovery
 * offers no pushed authorization requests, which the request-object rules always refused.
 */
describe('401 schemes and discovery', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(() => c?.stop());

  it('a transaction API 401 asks for Basic credentials, an admin API 401 for a bearer key', async () => {
    for (const authorization of [undefined, 'Basic ' + Buffer.from('app_nobody:wrong').toString('base64')]) {
      const tx = await fetch(`${c.url}/api/v1/transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ username: 'someone@example.com' }),
      });
      assert.equal(tx.status, 401);
      assert.equal(tx.headers.get('www-authenticate'), 'Basic realm="devtrust"');
      const read = await fetch(`${c.url}/api/v1/transactions/tx_nothing`, { headers: authorization ? { authorization } : {} });
      assert.equal(read.status, 401);
      assert.equal(read.headers.get('www-authenticate'), 'Basic realm="devtrust"');
    }
    const admin = await fetch(`${c.url}/admin/v1/endpoints`, { headers: { authorization: 'Bearer dtk_wrong' } });
    assert.equal(admin.status, 401);
    assert.equal(admin.headers.get('www-authenticate'), 'Bearer');
  });

  it('discovery offers no pushed authorization requests, and the push route is not served', async () => {
    const discovery = (await (await fetch(`${c.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(typeof discovery.authorization_endpoint, 'string', 'discovery answered');
    assert.equal(discovery.pushed_authorization_request_endpoint, undefined);
    assert.equal(discovery.require_pushed_authorization_requests, undefined);
    const pushed = await fetch(`${c.url}/oidc/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=x&response_type=code',
    });
    assert.equal(pushed.status, 404);
  });
});

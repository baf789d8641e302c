import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * The per-address limits on starting sign-ins and on guessing application secrets hold
 * however the request is spelled, whoever writes X-Forwarded-For, and on every route.
 */
const LIMIT = 5;

const basic = (clientId: string, secret: string): string => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

describe('the /oidc/auth limit per address cannot be walked around by spelling the path differently', () => {
  let c: TestCollector;
  let clientId: string;
  const redirectUri = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    c = await startTestCollector({
      scheduler: false,
      env: { DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: String(LIMIT), DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '1000' },
    });
    const created = await c.admin('POST', '/admin/v1/applications', { name: 'Payroll', redirectUris: [redirectUri] });
    clientId = created.body.clientId;
  });
  afterAll(async () => {
    await c?.stop();
  });

  const query = (): string =>
    new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 's',
      code_challenge: createHash('sha256').update('v'.repeat(64)).digest('base64url'),
      code_challenge_method: 'S256',
      login_hint: 'alice@example.com',
    }).toString();

  it('every other spelling of the authorization endpoint is a 404 and starts nothing; the exact one is limited', async () => {
    const spellings = [
      '/oidc/AUTH',
      '/oidc/Auth',
      '/oidc/auth/',
      '/oidc/Auth/',
      '/oidc/AUTH/',
      '/oidc/%61uth',
      '/oidc/auth%2F',
      '/oidc//auth',
      '/oidc/TOKEN',
      '/oidc/jwks/',
    ];
    let started = 0;
    for (const spelling of spellings) {
      for (let i = 0; i < 2 * LIMIT; i++) {
        const response = await fetch(`${c.url}${spelling}?${query()}`, { redirect: 'manual' });
        await response.arrayBuffer();
        if (response.status === 303) started++;
        // A 404 (not a route) or a 429 (counted): never a sign-in past the budget.
        assert.ok(response.status === 404 || response.status === 429, `${spelling}: ${response.status}`);
      }
    }
    assert.equal(started, 0, 'a spelling other than /oidc/auth started a sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const response = await fetch(`${c.url}/oidc/auth?${query()}`, { redirect: 'manual' });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [...Array<number>(LIMIT).fill(303), 429, 429]);
    // The provider's real routes still answer under their one spelling.
    assert.equal((await fetch(`${c.url}/oidc/jwks`)).status, 200);
    assert.equal((await fetch(`${c.url}/.well-known/openid-configuration`)).status, 200);
  });
});

describe('behind a trusted proxy, the per-address limits use the address the proxy appended', () => {
  let c: TestCollector;
  let app: TestApp;

  beforeAll(async () => {
    c = await startTestCollector({
      scheduler: false,
      env: {
        DEVTRUST_TRUST_PROXY: 'true',
        DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: String(LIMIT),
        DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '1000',
      },
    });
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  const open = async (forwardedFor: string): Promise<number> => {
    const response = await fetch(`${c.url}/api/v1/transactions`, {
      method: 'POST',
      headers: {
        authorization: basic(app.clientId, app.clientSecret),
        'content-type': 'application/json',
        'x-forwarded-for': forwardedFor,
      },
      body: JSON.stringify({ username: 'alice@example.com' }),
    });
    await response.arrayBuffer();
    return response.status;
  };

  it('a client that changes the entries before the proxy’s own one still meets its limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++) statuses.push(await open(`198.51.100.${i + 1}, 192.0.2.1`));
    assert.deepEqual(statuses, [...Array<number>(LIMIT).fill(201), 429, 429, 429]);
    // Another client of the proxy has its own budget: the forwarded address is used, not the socket's.
    assert.equal(await open('192.0.2.2'), 201);
    assert.equal(await open('203.0.113.9, 192.0.2.2'), 201);
  });
});

describe('wrong application credentials count against the address on every transaction route', () => {
  let c: TestCollector;
  let app: TestApp;

  beforeAll(async () => {
    c = await startTestCollector({
      scheduler: false,
      env: { DEVTRUST_LIMIT_SIGNINS_PER_ADDRESS: String(LIMIT), DEVTRUST_LIMIT_SIGNINS_PER_APPLICATION: '1000' },
    });
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('guessing secrets on GET /api/v1/transactions/:id meets a 429; the application itself keeps reading', async () => {
    const id = await app.open('alice@example.com'); // one sign-in from this address
    const statuses: number[] = [];
    for (let i = 0; i < 3 * LIMIT; i++) {
      const response = await fetch(`${c.url}/api/v1/transactions/${id}`, { headers: { authorization: basic(app.clientId, `wrong-${i}`) } });
      const body = (await response.json()) as { error: { code: string } };
      statuses.push(response.status);
      if (response.status === 429) {
        assert.equal(body.error.code, 'RATE_LIMITED');
        assert.ok(Number(response.headers.get('retry-after')) > 0);
      }
    }
    assert.deepEqual(statuses, [...Array<number>(LIMIT - 1).fill(401), ...Array<number>(2 * LIMIT + 1).fill(429)]);
    // Polling with the right secret is not a guess: it is not counted, and still answers.
    for (let i = 0; i < 2 * LIMIT; i++) assert.equal((await app.read(id)).status, 200);
  });
});

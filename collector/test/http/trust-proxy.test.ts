import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { freePort } from '../../../test/support/ports.js';

const PUBLIC_URL = 'https://devtrust.example';

async function listen(server: http.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A free loopback port: the collector must listen on a fixed one, or it replaces the https public URL with its own. */

/** A plain-HTTP reverse proxy on loopback that says the client came over HTTPS, as a TLS-terminating proxy does. */
function tlsTerminatingProxy(upstream: string): http.Server {
  return http.createServer((req, res) => {
    const forwarded = http.request(
      `${upstream}${req.url}`,
      {
        method: req.method,
        headers: { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7', 'x-forwarded-host': 'devtrust.example' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
}

async function startBehindProxy(trustProxy: boolean): Promise<{ c: TestCollector; direct: string; proxy: http.Server; proxied: string }> {
  const port = await freePort();
  const c = await startTestCollector({
    scheduler: false,
    env: { DEVTRUST_PORT: String(port), DEVTRUST_PUBLIC_URL: PUBLIC_URL, DEVTRUST_TRUST_PROXY: String(trustProxy) },
  });
  const direct = `http://127.0.0.1:${port}`;
  const proxy = tlsTerminatingProxy(direct);
  const proxied = `http://127.0.0.1:${await listen(proxy)}`;
  return { c, direct, proxy, proxied };
}

/** Applications registered so far: each sign-in registers its own, and application names are unique. */
let registered = 0;

/** Starts a sign-in at the OIDC provider; returns the cookies it sets. */
async function startSignIn(base: string, extraHeaders: Record<string, string> = {}): Promise<string[]> {
  const created = await fetch(`${base}/admin/v1/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Proxied app ${++registered}`, redirectUris: ['http://127.0.0.1:9/callback'] }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const { clientId } = (await created.json()) as { clientId: string };
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: 'http://127.0.0.1:9/callback',
    response_type: 'code',
    scope: 'openid',
    state: 'state-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: 'alice@example.com',
  });
  const response = await fetch(`${base}/oidc/auth?${query}`, { redirect: 'manual', headers: extraHeaders });
  assert.equal(response.status, 303, await response.text());
  const cookies = response.headers.getSetCookie();
  assert.ok(
    cookies.some((cookie) => cookie.startsWith('dt_interaction=')),
    cookies.join('\n'),
  );
  return cookies;
}

const isSecure = (cookie: string): boolean => cookie.split(';').some((part) => part.trim().toLowerCase() === 'secure');

describe('behind a TLS-terminating proxy', () => {
  describe('with DEVTRUST_TRUST_PROXY=true', () => {
    let setup: Awaited<ReturnType<typeof startBehindProxy>>;
    beforeAll(async () => {
      setup = await startBehindProxy(true);
    });
    afterAll(async () => {
      await new Promise((resolve) => setup.proxy.close(resolve));
      await setup.c.stop();
    });

    it('the sign-in cookies are Secure when the proxy says the client used HTTPS', async () => {
      const cookies = await startSignIn(setup.proxied);
      for (const cookie of cookies) assert.ok(isSecure(cookie), `not Secure: ${cookie}`);
    });

    it('a request that did not come through HTTPS gets no Secure cookie (the browser would drop it anyway)', async () => {
      const cookies = await startSignIn(setup.direct);
      for (const cookie of cookies) assert.ok(!isSecure(cookie), `Secure over plain HTTP: ${cookie}`);
    });
  });

  describe('with DEVTRUST_TRUST_PROXY off (the default)', () => {
    let setup: Awaited<ReturnType<typeof startBehindProxy>>;
    beforeAll(async () => {
      setup = await startBehindProxy(false);
    });
    afterAll(async () => {
      await new Promise((resolve) => setup.proxy.close(resolve));
      await setup.c.stop();
    });

    it('X-Forwarded-Proto is ignored: anyone who can reach the collector could send it', async () => {
      for (const cookie of await startSignIn(setup.proxied)) assert.ok(!isSecure(cookie), `Secure from a forged header: ${cookie}`);
      for (const cookie of await startSignIn(setup.direct, { 'x-forwarded-proto': 'https' })) assert.ok(!isSecure(cookie), cookie);
    });
  });

  it('DEVTRUST_TRUST_PROXY accepts only true or false', async () => {
    await assert.rejects(startTestCollector({ env: { DEVTRUST_TRUST_PROXY: 'yes' } }), /DEVTRUST_TRUST_PROXY: must be true or false/);
  });
});

import assert from 'node:assert/strict';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import * as oidc from 'openid-client';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { csvInventory } from '../../support/app.js';
import { startTestAgent, type TestAgent } from '../../support/agent.js';
import { startTestCollector, type TestCollector } from '../../support/collector.js';
import {
  ALICE_LAPTOP,
  BROWSER_SKIP,
  INVENTORY_CSV,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
  startExampleApp,
  type ExampleApp,
} from './harness.js';

/** A relying party written in the test with openid-client, so the test holds its code. */
interface TestClient {
  config: oidc.Configuration;
  redirectUri: string;
  /** Callback URLs the browser reached, in order. */
  callbacks: URL[];
  /** A new configuration: discovery again, and an empty JWKS cache. */
  rediscover(): Promise<oidc.Configuration>;
  close(): Promise<void>;
}

async function startTestClient(c: TestCollector): Promise<TestClient> {
  const callbacks: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === '/cb') callbacks.push(url); // not the browser's /favicon.ico
    res.writeHead(200, { 'content-type': 'text/plain' }).end('callback received');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
  const created = await c.admin('POST', '/admin/v1/applications', {
    name: 'Test RP',
    redirectUris: [redirectUri],
    policy: { trustedEndpoints: 'require-trusted' },
  });
  const rediscover = () =>
    oidc.discovery(new URL(c.url), created.body.clientId, undefined, oidc.ClientSecretPost(created.body.clientSecret), {
      execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
    });
  return {
    config: await rediscover(),
    rediscover,
    redirectUri,
    callbacks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeUnless(BROWSER_SKIP)('the OpenID Connect provider refuses what it must (Chromium)', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let rp: TestClient;
  let app: ExampleApp;
  /** The collector's log lines, as JSON. */
  const logLines: Record<string, unknown>[] = [];

  /** A full sign-in through the browser; returns what the test client needs to redeem it. */
  async function signIn(page: Page, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      login_hint: 'alice@example.com',
      ...extra,
    });
    const seen = rp.callbacks.length;
    await page.goto(url.href);
    await page.waitForURL((u) => u.href.startsWith(rp.redirectUri));
    assert.equal(rp.callbacks.length, seen + 1);
    return { callback: rp.callbacks[seen] as URL, verifier, state };
  }

  beforeAll(async () => {
    const doorPort = await freePort();
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    c = await startTestCollector({ prompt: { loopbackPorts: [doorPort] }, log });
    await csvInventory(c, INVENTORY_CSV);
    agent = await startTestAgent(c.url, ALICE_LAPTOP, { loopback: true, loopbackPort: doorPort });
    rp = await startTestClient(c);
    // Unsigned requests, so a changed `state` reaches DevTrust (a signed request would keep its own).
    app = await startExampleApp(c, 'Payroll', { trustedEndpoints: 'require-trusted' }, { signedRequest: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await app?.close();
    await agent?.stop();
    await c?.stop();
  });

  it('a code is redeemed once; the second try is refused and revokes what the first issued', async () => {
    const page = await newPage(browser);
    const { callback, verifier, state } = await signIn(page);
    const tokens = await oidc.authorizationCodeGrant(rp.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      idTokenExpected: true,
    });
    assert.equal(tokens.claims()?.device_trust && (tokens.claims()?.device_trust as any).verdict, 'trusted');
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, 'alice@example.com');
    assert.equal((info.device_trust as any).access, 'allow');

    await assert.rejects(
      oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
      (e: any) => e.error === 'invalid_grant',
    );
    await assert.rejects(
      oidc.fetchUserInfo(rp.config, tokens.access_token, 'alice@example.com'),
      (e: any) => e.status === 401 || e.error === 'invalid_token',
    );
    await page.context().close();
  });

  it('PKCE binds the code: a wrong verifier is refused, and a request without PKCE never gets one', async () => {
    const page = await newPage(browser);
    const { callback, state } = await signIn(page);
    await assert.rejects(
      oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }),
      (e: any) => e.error === 'invalid_grant',
    );
    const bare = new URL(rp.config.serverMetadata().authorization_endpoint as string);
    bare.search = new URLSearchParams({
      client_id: rp.config.clientMetadata().client_id,
      redirect_uri: rp.redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 's',
      login_hint: 'alice@example.com',
    }).toString();
    const refused = await fetch(bare, { redirect: 'manual' });
    const location = new URL(refused.headers.get('location') ?? '', c.url);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description') ?? '', /PKCE/);
    await page.context().close();
  });

  it('a redirect_uri the application did not register gets an error page, never a redirect', async () => {
    const page = await newPage(browser);
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: `${rp.redirectUri}/elsewhere`,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's',
      login_hint: 'alice@example.com',
    });
    const seen = rp.callbacks.length;
    const response = await page.goto(url.href);
    assert.equal(response?.status(), 400);
    assert.match((await response?.headerValue('content-security-policy')) ?? '', /frame-ancestors 'none'/);
    assert.match((await page.textContent('h1')) ?? '', /not set up correctly/);
    assert.equal(rp.callbacks.length, seen);
    await screenshot(page, '7-error-redirect-uri');
    await page.context().close();
  });

  it('a tampered state comes back tampered, and the application refuses it', async () => {
    // Start the sign-in at the example app, then change `state` on the way to DevTrust.
    const start = await fetch(`${app.url}/?user=alice@example.com`, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location') ?? '');
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const [name, value] = cookie.split('=');
    const page = await newPage(browser);
    await page.context().addCookies([{ name: name as string, value: value as string, url: app.url }]);
    authorize.searchParams.set('state', `${authorize.searchParams.get('state')}x`);
    await page.goto(authorize.href);
    await page.waitForSelector('#failed');
    assert.match((await page.textContent('#error')) ?? '', /state/);
    await page.context().close();
  });

  it('a request without login_hint gets a page that says the application must name the user', async () => {
    const page = await newPage(browser);
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's',
    });
    const response = await page.goto(url.href);
    assert.equal(response?.status(), 400);
    assert.match((await page.textContent('h1')) ?? '', /didn’t say who is signing in/);
    assert.match((await response?.headerValue('content-security-policy')) ?? '', /default-src 'none'.*frame-ancestors 'none'/);
    await screenshot(page, '8-error-login-hint');
    await page.context().close();
  });

  it('prompt=none cannot skip the device check', async () => {
    const page = await newPage(browser);
    await signIn(page); // a session exists in this browser now
    const { callback } = await signIn(page, { prompt: 'none' });
    assert.equal(callback.searchParams.get('error'), 'login_required');
    await page.context().close();
  });

  it('a rotated key is published before it signs; an immediate rotation signs at once; old keys stay published', async () => {
    const page = await newPage(browser);
    const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()).kid as string;
    const redeem = async (config: oidc.Configuration) => {
      const { callback, verifier, state } = await signIn(page);
      return kidOf(
        (await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })).id_token as string,
      );
    };
    const jwksKids = async () => {
      const jwks = (await (await fetch(`${c.url}/oidc/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
      assert.ok(
        jwks.keys.every((k) => k.d === undefined),
        'the JWKS publishes public keys only',
      );
      return jwks.keys.map((k) => k.kid).sort();
    };
    const original = await redeem(rp.config);

    // Staged (the default): the next key is in the JWKS now, but the current one still signs.
    const staged = await c.admin('POST', '/admin/v1/oidc/rotate-keys');
    assert.equal(staged.status, 200);
    assert.equal(staged.body.active, original);
    // Times are milliseconds since the epoch, like every other admin answer.
    assert.equal(typeof staged.body.next.activatesAt, 'number');
    assert.ok(staged.body.next.activatesAt > Date.now());
    for (const key of staged.body.keys)
      assert.ok(Number.isInteger(key.createdAt) && Number.isInteger(key.activatesAt), JSON.stringify(key));
    assert.deepEqual(await jwksKids(), [original, staged.body.next.kid].sort());
    assert.equal(await redeem(rp.config), original);

    // Immediate: the newest key signs at once; a client that has not cached the JWKS verifies it.
    const now = await c.admin('POST', '/admin/v1/oidc/rotate-keys', { immediate: true });
    assert.equal(now.status, 200);
    assert.notEqual(now.body.active, original);
    assert.equal(await redeem(await rp.rediscover()), now.body.active);
    // The key staged before it never signed and would take over at its time: it is gone.
    assert.equal(now.body.next, null);
    assert.deepEqual(await jwksKids(), [original, now.body.active].sort());

    assert.equal((await c.admin('POST', '/admin/v1/oidc/rotate-keys', undefined, { token: 'dtk_wrong-token' })).status, 401);
    assert.equal((await c.admin('POST', '/admin/v1/oidc/rotate-keys', { later: true })).status, 400);
    await page.context().close();
  });

  it('an immediate rotation for a compromised key withdraws it: ID tokens it signed stop verifying against the JWKS', async () => {
    const page = await newPage(browser);
    const { callback, verifier, state } = await signIn(page);
    const idToken = (
      await oidc.authorizationCodeGrant(await rp.rediscover(), callback, { pkceCodeVerifier: verifier, expectedState: state })
    ).id_token as string;
    const [header, payload, signature] = idToken.split('.') as [string, string, string];
    const oldKid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    /** Verifies the ID token's RS256 signature with the key the published JWKS holds for its kid. */
    const verifiesAgainstJwks = async (): Promise<boolean> => {
      const jwks = (await (await fetch(`${c.url}/oidc/jwks`)).json()) as { keys: (JsonWebKey & { kid: string })[] };
      const jwk = jwks.keys.find((k) => k.kid === oldKid);
      if (!jwk) return false;
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      return verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
    };
    assert.equal(await verifiesAgainstJwks(), true);

    const rotated = await c.admin('POST', '/admin/v1/oidc/rotate-keys', { immediate: true, withdrawPrevious: true });
    assert.equal(rotated.status, 200);
    assert.ok(rotated.body.withdrawn.includes(oldKid));
    assert.match(rotated.body.note, /no longer verify/);
    assert.deepEqual(
      rotated.body.keys.map((k: { kid: string }) => k.kid),
      [rotated.body.active],
    );
    assert.equal(await verifiesAgainstJwks(), false);
    const published = (await (await fetch(`${c.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(
      published.keys.map((k) => k.kid),
      [rotated.body.active],
    );
    // Sign-ins go on, signed by the new key (a fresh JWKS fetch verifies them).
    const next = await signIn(page);
    const fresh = await oidc.authorizationCodeGrant(await rp.rediscover(), next.callback, {
      pkceCodeVerifier: next.verifier,
      expectedState: next.state,
    });
    assert.equal(
      (JSON.parse(Buffer.from((fresh.id_token as string).split('.')[0] as string, 'base64url').toString()) as { kid: string }).kid,
      rotated.body.active,
    );

    // Who did it is on record: the API key's id and name, at info.
    const owner = (await c.admin('GET', '/admin/v1/api-keys')).body.apiKeys.find((k: { role: string }) => k.role === 'owner');
    const line = logLines.find((l) => l.msg === 'oidc signing key rotated; previous keys withdrawn');
    assert.equal(line?.level, 30);
    assert.equal(line?.apiKeyId, owner.id);
    assert.equal(line?.apiKeyName, owner.name);
    assert.deepEqual(line?.withdrawn, rotated.body.withdrawn);
    assert.equal((await c.admin('POST', '/admin/v1/oidc/rotate-keys', { withdrawPrevious: true })).status, 400);
    await page.context().close();
  });

  it('DELETE /admin/v1/oidc/keys/:kid withdraws a key, but never the one signing now', async () => {
    const staged = await c.admin('POST', '/admin/v1/oidc/rotate-keys');
    const active = staged.body.active as string;
    const nextKid = staged.body.next.kid as string;

    const signing = await c.admin('DELETE', `/admin/v1/oidc/keys/${active}`);
    assert.equal(signing.status, 409);
    assert.equal(signing.body.error.code, 'KEY_IN_USE');
    assert.equal((await c.admin('DELETE', '/admin/v1/oidc/keys/dt-no-such-key')).status, 404);

    const withdrawn = await c.admin('DELETE', `/admin/v1/oidc/keys/${nextKid}`);
    assert.equal(withdrawn.status, 200);
    assert.deepEqual(withdrawn.body.withdrawn, [nextKid]);
    assert.equal(withdrawn.body.active, active);
    const published = (await (await fetch(`${c.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(
      published.keys.map((k) => k.kid),
      [active],
    );
    const line = logLines.find((l) => l.msg === 'oidc signing key withdrawn');
    assert.equal(line?.withdrawn, nextKid);
    assert.equal(typeof line?.apiKeyId, 'string');
  });
});

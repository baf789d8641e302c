import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import type { Browser } from 'playwright-core';
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
  shownClaims,
  startExampleApp,
  type ExampleApp,
} from './harness.js';

/** Starts a sign-in at the example app; returns the redirect to DevTrust and the app's cookie. */
async function startAt(app: ExampleApp, user: string): Promise<{ authorize: URL; cookie: { name: string; value: string } }> {
  const start = await fetch(`${app.url}/?user=${encodeURIComponent(user)}`, { redirect: 'manual' });
  const [name, value] = ((start.headers.get('set-cookie') ?? '').split(';')[0] ?? '').split('=');
  return { authorize: new URL(start.headers.get('location') ?? ''), cookie: { name: name as string, value: value as string } };
}

const payloadOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;

describeUnless(BROWSER_SKIP)('the user DevTrust checks is the user the application signed in (Chromium)', () => {
  let c: TestCollector;
  let agent: TestAgent;
  let browser: Browser;
  let plain: ExampleApp;
  let signed: ExampleApp;

  beforeAll(async () => {
    const doorPort = await freePort();
    c = await startTestCollector({ prompt: { loopbackPorts: [doorPort] } });
    await csvInventory(c, INVENTORY_CSV);
    agent = await startTestAgent(c.url, ALICE_LAPTOP, { loopback: true, loopbackPort: doorPort });
    // allow-all: DevTrust lets any of these sign-ins through, so only the app can refuse.
    plain = await startExampleApp(c, 'Plain', { trustedEndpoints: 'allow-all' }, { signedRequest: false });
    signed = await startExampleApp(c, 'Signed', { trustedEndpoints: 'allow-all' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await signed?.close();
    await agent?.stop();
    await c?.stop();
  });

  it('a login_hint changed in the browser comes back as another sub, and the example app refuses the sign-in', async () => {
    const { authorize, cookie } = await startAt(plain, 'mallory@example.com');
    assert.equal(authorize.searchParams.get('login_hint'), 'mallory@example.com');
    authorize.searchParams.set('login_hint', 'alice@example.com');
    const page = await newPage(browser);
    await page.context().addCookies([{ ...cookie, url: plain.url }]);
    await page.goto(authorize.href);
    await page.waitForSelector('#failed');
    assert.match((await page.textContent('#error')) ?? '', /checked this device for "alice@example\.com", not for "mallory@example\.com"/);
    assert.equal(await page.$('#signed-in'), null);
    await screenshot(page, '9-app-refuses-other-sub');
    await page.context().close();
  });

  it('with a signed request object, a login_hint added in the browser is ignored: the signed one wins', async () => {
    const { authorize, cookie } = await startAt(signed, 'mallory@example.com');
    const request = authorize.searchParams.get('request') ?? '';
    assert.equal(payloadOf(request).login_hint, 'mallory@example.com');
    assert.equal(authorize.searchParams.get('login_hint'), null);
    authorize.searchParams.set('login_hint', 'alice@example.com');
    const page = await newPage(browser);
    await page.context().addCookies([{ ...cookie, url: signed.url }]);
    await page.goto(authorize.href);
    await page.waitForSelector('#signed-in');
    assert.equal((await shownClaims(page)).sub, 'mallory@example.com');
    await page.context().close();
  });

  it('a request object changed in the browser no longer verifies and DevTrust refuses it', async () => {
    const { authorize } = await startAt(signed, 'mallory@example.com');
    const [header, , signature] = (authorize.searchParams.get('request') ?? '').split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...payloadOf(authorize.searchParams.get('request') ?? ''), login_hint: 'alice@example.com' }),
    ).toString('base64url');
    authorize.searchParams.set('request', `${header}.${forged}.${signature}`);
    // Nothing in a request that fails its signature is trusted, not even where to send the error.
    const page = await newPage(browser);
    const response = await page.goto(authorize.href);
    assert.equal(response?.status(), 400);
    assert.match((await page.textContent('h1')) ?? '', /changed on the way/);
    assert.match((await page.textContent('details')) ?? '', /invalid_request_object/);
    assert.ok(!page.url().startsWith(signed.url));
    await page.context().close();
  });
});

describeUnless(BROWSER_SKIP)('DEVTRUST_OIDC_REQUIRE_SIGNED_REQUEST=true', () => {
  let c: TestCollector;
  let signed: ExampleApp;

  beforeAll(async () => {
    c = await startTestCollector({ env: { DEVTRUST_OIDC_REQUIRE_SIGNED_REQUEST: 'true' } });
    signed = await startExampleApp(c, 'Signed', { trustedEndpoints: 'allow-all' });
  });
  afterAll(async () => {
    await signed?.close();
    await c?.stop();
  });

  it('the signed request starts the prompt; the same parameters unsigned (login_hint swapped) are refused', async () => {
    const { authorize } = await startAt(signed, 'mallory@example.com');
    const accepted = await fetch(authorize, { redirect: 'manual' });
    assert.match(accepted.headers.get('location') ?? '', /\/oidc\/interaction\//);

    // What a browser could do instead: read the request object and send its parameters bare.
    const unsigned = new URL(authorize.origin + authorize.pathname);
    for (const [key, value] of Object.entries(payloadOf(authorize.searchParams.get('request') ?? ''))) {
      if (!['iss', 'aud', 'iat', 'exp', 'jti'].includes(key)) unsigned.searchParams.set(key, String(value));
    }
    unsigned.searchParams.set('login_hint', 'alice@example.com');
    const refused = await fetch(unsigned, { redirect: 'manual' });
    const back = new URL(refused.headers.get('location') ?? '', c.url);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description') ?? '', /Request Object must be used/);
    const discovery = (await (await fetch(`${c.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(discovery.require_signed_request_object, true);
    assert.deepEqual(discovery.request_object_signing_alg_values_supported, ['HS256']);
  });
});

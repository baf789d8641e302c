import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { startTestCollector, type TestCollector } from '../../support/collector.js';
import { BROWSER_SKIP, launchBrowser, newPage, screenshot, startExampleApp, type ExampleApp } from './harness.js';

/** The sign-in the example app starts: its redirect to DevTrust, with a signed request object. */
async function signedAuthorize(app: ExampleApp): Promise<URL> {
  const start = await fetch(`${app.url}/?user=${encodeURIComponent('alice@example.com')}`, { redirect: 'manual' });
  const authorize = new URL(start.headers.get('location') ?? '');
  assert.ok(authorize.searchParams.get('request'), authorize.href);
  return authorize;
}

const headline = async (page: Page): Promise<string> => ((await page.textContent('h1')) ?? '').trim();

/** The app's signed sign-in URL with its request object's claims changed and signed again with the app's secret. */
function resigned(authorize: URL, secret: string, change: (claims: Record<string, unknown>) => void): URL {
  const [head, payload] = (authorize.searchParams.get('request') ?? '').split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
  change(claims);
  const input = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const url = new URL(authorize);
  url.searchParams.set('request', `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
  return url;
}

/**
 * Newcomer r7: loading the same signed sign-in URL twice (Back, refresh) said the request "was
 * changed on the way", as if tampered with; only the details named the reuse. Reuse has its own
 * words now; a request that no longer matches its signature keeps the tampering text.
 */
describeUnless(BROWSER_SKIP)('a reused signed sign-in request reads as reused, not as tampered with (Chromium)', () => {
  let c: TestCollector;
  let browser: Browser;
  let app: ExampleApp;

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    app = await startExampleApp(c, 'Signed', { trustedEndpoints: 'allow-all' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await c?.stop();
  });

  it('the same signed URL loaded again: "This sign-in link was already used"', async () => {
    const authorize = await signedAuthorize(app);
    const page = await newPage(browser);
    await page.goto(authorize.href);
    await page.waitForURL(/\/oidc\/interaction\//);
    const again = await page.goto(authorize.href);
    assert.equal(again?.status(), 400);
    assert.equal(await headline(page), 'This sign-in link was already used');
    const alert = (await page.textContent('[role=alert]')) ?? '';
    assert.match(alert, /Go back to the application and sign in again\./);
    assert.doesNotMatch(alert, /signature|changed/);
    assert.match((await page.textContent('details')) ?? '', /invalid_request_object: Request Object has already been used/);
    await screenshot(page, 'request-reused');
    await page.context().close();
  });

  it('a link opened too late: "This sign-in link has expired", start again from the application', async () => {
    const now = Math.floor(Date.now() / 1000);
    const authorize = resigned(await signedAuthorize(app), app.clientSecret, (claims) => {
      claims.iat = now - 400;
      claims.exp = now - 100;
    });
    const page = await newPage(browser);
    const response = await page.goto(authorize.href);
    assert.equal(response?.status(), 400);
    assert.equal(await headline(page), 'This sign-in link has expired');
    const alert = (await page.textContent('[role=alert]')) ?? '';
    assert.match(alert, /Go back to the application and start the sign-in again there\./);
    assert.doesNotMatch(alert, /signature|changed|owner/);
    // The technical reason stays for the application's owner, folded away.
    assert.equal(await page.isVisible('details p'), false);
    assert.match((await page.textContent('details')) ?? '', /invalid_request_object: Request Object claims are invalid \(jwt expired\)/);
    await screenshot(page, 'request-expired');
    await page.context().close();
  });

  it('a request the application built wrongly (no jti): tell the application’s owner, signing in again will not help', async () => {
    const authorize = resigned(await signedAuthorize(app), app.clientSecret, (claims) => {
      delete claims.jti;
    });
    const page = await newPage(browser);
    await page.goto(authorize.href);
    assert.equal(await headline(page), 'This application is not set up correctly');
    const alert = (await page.textContent('[role=alert]')) ?? '';
    assert.match(alert, /signing in again will not help\. Tell the application’s owner or your IT team: the application has to be fixed\./);
    assert.doesNotMatch(alert, /signature|changed/);
    assert.match((await page.textContent('details')) ?? '', /invalid_request_object: Request Object is missing the 'jti' claim/);
    await screenshot(page, 'request-built-wrongly');
    await page.context().close();
  });

  it('a request refused for another reason (no PKCE) does not use up its link: the corrected one signs in, then reads as used (F10)', async () => {
    const signed = await signedAuthorize(app);
    const withoutPkce = resigned(signed, app.clientSecret, (claims) => {
      delete claims.code_challenge;
      delete claims.code_challenge_method;
    });
    const page = await newPage(browser);
    // Refused back to the application (its redirect_uri), not on DevTrust's pages.
    await page.goto(withoutPkce.href);
    await page.waitForURL((url) => url.href.startsWith(app.redirectUri));
    assert.match(page.url(), /error=invalid_request/);
    // The same jti, now in a request that passes: the device check starts.
    await page.goto(signed.href);
    await page.waitForURL(/\/oidc\/interaction\//);
    const again = await page.goto(signed.href);
    assert.equal(again?.status(), 400);
    assert.equal(await headline(page), 'This sign-in link was already used');
    await page.context().close();
  });

  it('a signed request whose signature no longer matches keeps the tampering text', async () => {
    const authorize = await signedAuthorize(app);
    const [head, payload] = (authorize.searchParams.get('request') ?? '').split('.');
    authorize.searchParams.set('request', `${head}.${payload}.${Buffer.from('not the signature').toString('base64url')}`);
    const page = await newPage(browser);
    await page.goto(authorize.href);
    assert.equal(await headline(page), 'This sign-in request was changed on the way');
    assert.match((await page.textContent('[role=alert]')) ?? '', /no longer matches its signature/);
    await screenshot(page, 'request-tampered');
    await page.context().close();
  });
});

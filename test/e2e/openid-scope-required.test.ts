import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import { explainProviderError } from '@devtrust/collector/oidc/pages/error-page';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless } from '../support/skip.js';
import { authorize, interactions, REDIRECT_URI, requestObject } from '../support/request-object.js';

/**
 * The device verdict rides in the ID token alone, and the provider issues one only for the
 * openid scope. A request with `scope=email` (plain OAuth, which the provider allowed) started
 * the device check and the application got a code with no ID token: no verdict. Such a request
 * is now refused at the authorization endpoint, back to the verified redirect_uri as the
 * protocol says (invalid_scope), before any sign-in starts, and a signed request object
 * refused so keeps its jti for the corrected request.
 */
const REFUSED = /^invalid_scope: the 'openid' scope is required/;

/** A plain (unsigned) authorization request, as `authorize` answers it. */
async function plainAuthorize(base: string, clientId: string, scope: string | undefined): Promise<string> {
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    state: 'st',
    code_challenge: createHash('sha256').update('v'.repeat(64)).digest('base64url'),
    code_challenge_method: 'S256',
    ...(scope === undefined ? {} : { scope }),
  });
  const response = await fetch(`${base}/oidc/auth?${params}`, { redirect: 'manual' });
  await response.text();
  const location = response.headers.get('location') ?? '';
  if (response.status === 303 && location.includes('/oidc/interaction/')) return 'started';
  assert.ok(location.startsWith(REDIRECT_URI), `${response.status} ${location}`);
  const answer = new URL(location).searchParams;
  // The redirect carries the state and issuer, so the application can match and trust it.
  assert.equal(answer.get('state'), 'st');
  assert.equal(answer.get('iss'), base);
  return `${answer.get('error')}: ${answer.get('error_description')}`;
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`an authorization request without the openid scope is refused (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let client: { clientId: string; clientSecret: string };
    const now = (): number => Math.floor(Date.now() / 1000);

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false });
      const app = await c.admin('POST', '/admin/v1/applications', { name: 'Payroll', redirectUris: [REDIRECT_URI] });
      client = { clientId: app.body.clientId, clientSecret: app.body.clientSecret };
    });
    afterAll(async () => {
      await c?.close();
    });

    it('a plain request with scope=email, or no scope, is sent back as invalid_scope and starts nothing', async () => {
      const before = await interactions(c);
      for (const scope of ['email', 'profile email', '', undefined])
        assert.match(await plainAuthorize(c.url, client.clientId, scope), REFUSED, String(scope));
      assert.equal(await interactions(c), before);
      // With openid (and whatever else) it starts as before.
      assert.equal(await plainAuthorize(c.url, client.clientId, 'openid'), 'started');
      assert.equal(await plainAuthorize(c.url, client.clientId, 'email openid'), 'started');
    });

    it('a signed request object without openid is refused too, without using up its jti', async () => {
      const claims = { iat: now(), exp: now() + 300, jti: randomBytes(12).toString('base64url') };
      const before = await interactions(c);
      // Outside parameters do not count: only the request object's scope does.
      for (const scope of ['email', undefined]) {
        const request = requestObject(client, c.url, { ...claims, scope });
        const response = await fetch(
          `${c.url}/oidc/auth?${new URLSearchParams({ client_id: client.clientId, request, scope: 'openid' })}`,
          {
            redirect: 'manual',
          },
        );
        const answer = new URL(response.headers.get('location') ?? 'http://none/').searchParams;
        assert.match(`${answer.get('error')}: ${answer.get('error_description')}`, REFUSED, String(scope));
        assert.match(await authorize(c.url, client.clientId, request), REFUSED);
      }
      assert.equal(await interactions(c), before);
      // The application fixes its request; the same jti is still unused.
      assert.equal(await authorize(c.url, client.clientId, requestObject(client, c.url, claims)), 'started');
    });
  });
}

it('the error page explains the refusal in plain words when it cannot go back to the application', () => {
  const { title, message } = explainProviderError('invalid_scope', "the 'openid' scope is required");
  assert.equal(title, 'This application is not set up correctly');
  assert.match(message, /“openid” scope/);
  assert.match(message, /tell the application’s owner/);
});

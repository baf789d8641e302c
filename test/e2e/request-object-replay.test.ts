import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { startTestCollector } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless, itUnless } from '../support/skip.js';
import { freePort } from '../support/ports.js';

/**
 * A signed request object binds the user of a sign-in; one copied from a browser history or
 * a log must not start that sign-in again, and one without expiry must not exist at all.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
/** Collectors sharing a database share the master key that seals its secrets. */
const MASTER_KEY = randomBytes(32).toString('hex');

function requestObject(client: { clientId: string; clientSecret: string }, issuer: string, claims: Record<string, unknown>): string {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    client_id: client.clientId,
    iss: client.clientId,
    aud: issuer,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: 'st',
    code_challenge: createHash('sha256').update('v'.repeat(64)).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: 'alice@example.com',
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[key];
  const input = `${b64({ alg: 'HS256', typ: 'oauth-authz-req+jwt' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', client.clientSecret).update(input).digest('base64url')}`;
}

/** "started" when the provider began the device check; otherwise the error it answered with. */
async function authorize(base: string, clientId: string, request: string): Promise<string> {
  const response = await fetch(`${base}/oidc/auth?${new URLSearchParams({ client_id: clientId, request })}`, { redirect: 'manual' });
  const text = await response.text();
  const location = response.headers.get('location') ?? '';
  if (response.status === 303 && location.includes('/oidc/interaction/')) return 'started';
  if (location) {
    const url = new URL(location);
    return `${url.searchParams.get('error')}: ${url.searchParams.get('error_description')}`;
  }
  assert.equal(response.status, 400, text.slice(0, 300));
  return /invalid_request_object[^<]*/.exec(text)?.[0] ?? text.slice(0, 300);
}

for (const database of DATABASES) {
  describeUnless(database.skip)(`signed request objects expire and are used once (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let client: { clientId: string; clientSecret: string };
    const now = (): number => Math.floor(Date.now() / 1000);
    const fresh = (): Record<string, unknown> => ({ iat: now(), exp: now() + 300, jti: randomBytes(12).toString('base64url') });

    beforeAll(async () => {
      c = await collectorOn(database.name, { scheduler: false, env: { DEVTRUST_MASTER_KEY: MASTER_KEY } });
      const app = await c.admin('POST', '/admin/v1/applications', { name: 'Payroll', redirectUris: [REDIRECT_URI] });
      client = { clientId: app.body.clientId, clientSecret: app.body.clientSecret };
    });
    afterAll(async () => {
      await c?.close();
    });

    it('the same request object (same jti) starts one sign-in; the replay is refused', async () => {
      const request = requestObject(client, c.url, fresh());
      assert.equal(await authorize(c.url, client.clientId, request), 'started');
      assert.match(await authorize(c.url, client.clientId, request), /invalid_request_object.*already been used/);
      // A new request object (new jti) for the same user is a new sign-in.
      assert.equal(await authorize(c.url, client.clientId, requestObject(client, c.url, fresh())), 'started');
    });

    it('a request object without exp, without jti or living longer than 10 minutes is refused', async () => {
      const jti = (): string => randomBytes(12).toString('base64url');
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { jti: jti() })),
        /invalid_request_object.*missing the (&#39;|')exp/,
      );
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { iat: now(), exp: now() + 300 })),
        /invalid_request_object.*missing the (&#39;|')jti/,
      );
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { iat: now(), exp: now() + 3600, jti: jti() })),
        /invalid_request_object.*longer than 600 seconds/,
      );
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { exp: now() + 3600, jti: jti() })),
        /invalid_request_object.*longer than 600 seconds/,
      );
    });

    it('a request object with a wrong signature does not use up its jti', async () => {
      const claims = fresh();
      const forged = requestObject({ ...client, clientSecret: 'not-the-secret' }, c.url, claims);
      assert.match(await authorize(c.url, client.clientId, forged), /invalid_request_object/);
      assert.equal(await authorize(c.url, client.clientId, requestObject(client, c.url, claims)), 'started');
    });

    itUnless(database.name === 'postgres' ? false : 'several collectors share only a PostgreSQL database')(
      'a request object used on one collector is refused on another sharing the database',
      async () => {
        // Behind one load balancer: one public URL (the issuer), each node on its own port.
        const port = await freePort();
        const second = await startTestCollector({
          scheduler: false,
          databaseUrl: c.databaseUrl,
          env: { DEVTRUST_PORT: String(port), DEVTRUST_PUBLIC_URL: c.url, DEVTRUST_MASTER_KEY: MASTER_KEY },
        });
        try {
          const request = requestObject(client, c.url, fresh());
          assert.equal(await authorize(c.url, client.clientId, request), 'started');
          assert.match(await authorize(second.url, client.clientId, request), /invalid_request_object.*already been used/);
        } finally {
          await second.stop();
        }
      },
    );
  });
}

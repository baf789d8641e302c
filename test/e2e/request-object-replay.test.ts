import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { startTestCollector } from '../support/collector.js';
import { DATABASES } from '../support/postgres.js';
import { describeUnless, itUnless } from '../support/skip.js';
import { freePort } from '../support/ports.js';
import { authorize, interactions, REDIRECT_URI, refusalPage, requestObject, unsigned } from '../support/request-object.js';

/**
 * A signed request object binds the user of a sign-in; one copied from a browser history or
 * a log must not start that sign-in again, and one without expiry must not exist at all.
 */
/** Collectors sharing a database share the master key that seals its secrets. */
const MASTER_KEY = randomBytes(32).toString('hex');

for (const database of DATABASES) {
  describeUnless(database.skip)(`signed request objects expire and are used once (${database.name})`, () => {
    let c: CollectorOnDatabase;
    let client: { clientId: string; clientSecret: string };
    const now = (): number => Math.floor(Date.now() / 1000);
    const fresh = (): Record<string, unknown> => ({ iat: now(), exp: now() + 300, jti: randomBytes(12).toString('base64url') });
    /** A request object refused after its own checks: the provider requires PKCE. */
    const withoutPkce = (claims: Record<string, unknown>): string =>
      requestObject(client, c.url, { ...claims, code_challenge: undefined, code_challenge_method: undefined });

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

    it('a request refused for another reason leaves its jti unused: the corrected request with the same jti starts (F10)', async () => {
      const claims = fresh();
      // Refused by the provider's checks after the request object's own: PKCE, response_type,
      // redirect_uri, and prompt=none (the device check always prompts).
      assert.match(await authorize(c.url, client.clientId, withoutPkce(claims)), /^invalid_request: .*PKCE/);
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { ...claims, response_type: 'id_token' })),
        /^unsupported_response_type/,
      );
      assert.match(await authorize(c.url, client.clientId, requestObject(client, c.url, { ...claims, prompt: 'none' })), /^login_required/);
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { ...claims, redirect_uri: 'http://127.0.0.1:9/elsewhere' })),
        /^invalid_redirect_uri/,
      );
      // The application's owner fixes the request; the person opens the same link again.
      const corrected = requestObject(client, c.url, claims);
      assert.equal(await authorize(c.url, client.clientId, corrected), 'started');
      // Accepted once, it is used up: the same jti again is refused, corrected or not.
      assert.match(await authorize(c.url, client.clientId, corrected), /invalid_request_object.*already been used/);
      assert.match(
        await authorize(c.url, client.clientId, requestObject(client, c.url, { ...claims, state: 'other' })),
        /invalid_request_object.*already been used/,
      );
    });

    it('a forged request object carrying a fresh jti neither starts nor uses it up, and reads as changed on the way', async () => {
      const claims = fresh();
      const forged = requestObject({ ...client, clientSecret: 'not-the-secret' }, c.url, claims);
      assert.equal((await refusalPage(c.url, client.clientId, forged)).title, 'This sign-in request was changed on the way');
      assert.equal(await authorize(c.url, client.clientId, requestObject(client, c.url, claims)), 'started');
      // Forged after the jti was used: still the tampering page, not whether the jti was used.
      assert.equal((await refusalPage(c.url, client.clientId, forged)).title, 'This sign-in request was changed on the way');
    });

    it('one request object used twice at once: exactly one sign-in starts, the other reads "already used"', async () => {
      const request = requestObject(client, c.url, fresh());
      const before = await interactions(c);
      const both = (): Promise<string[]> =>
        Promise.all([authorize(c.url, client.clientId, request), authorize(c.url, client.clientId, request)]);
      let answers: string[];
      if (database.name === 'postgres') {
        // Both requests held where the provider saves their interactions, after the jti was
        // looked up for each: the race the record settles, taken for certain, not by luck.
        const lock = await c.store.knex.transaction();
        let racing: Promise<string[]>;
        try {
          await lock.raw('lock table oidc_payloads in exclusive mode');
          racing = both();
          for (;;) {
            const waiting = await c.store.knex.raw(
              `select count(*)::int as n from pg_locks where not granted and relation = 'oidc_payloads'::regclass`,
            );
            if (waiting.rows[0].n >= 2) break;
            await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          await lock.commit();
        }
        answers = await racing;
        assert.equal(answers.filter((answer) => /another sign-in used its jti first/.test(answer)).length, 1, answers.join(' | '));
        // The loser's interaction was destroyed with its refusal: it cannot be resumed.
        assert.equal(await interactions(c), before + 1);
      } else {
        answers = await both();
      }
      assert.equal(answers.filter((answer) => answer === 'started').length, 1, answers.join(' | '));
      assert.equal(answers.filter((answer) => /invalid_request_object.*already been used/.test(answer)).length, 1, answers.join(' | '));
    });

    it('each refused request object tells its reason, and what to do about it', async () => {
      const jti = (): string => randomBytes(12).toString('base64url');
      const expired = await refusalPage(
        c.url,
        client.clientId,
        requestObject(client, c.url, { iat: now() - 400, exp: now() - 100, jti: jti() }),
      );
      assert.equal(expired.title, 'This sign-in link has expired');
      assert.match(expired.alert, /Go back to the application and start the sign-in again/);
      assert.match(expired.details, /invalid_request_object: Request Object claims are invalid \(jwt expired\)/);

      const builtWrongly: [Record<string, unknown>, 'HS256' | 'HS512', RegExp][] = [
        [{ jti: jti() }, 'HS256', /missing the 'exp' claim/],
        [{ iat: now(), exp: now() + 300 }, 'HS256', /missing the 'jti' claim/],
        [{ iat: now(), exp: now() + 3600, jti: jti() }, 'HS256', /longer than 600 seconds/],
        [{ iat: now(), exp: now() + 300, jti: jti() }, 'HS512', /unsupported signed request alg/],
        [
          { iat: now(), exp: now() + 300, jti: jti(), aud: 'https://elsewhere.example' },
          'HS256',
          /claims are invalid \(jwt audience missing/,
        ],
      ];
      for (const [claims, alg, detail] of builtWrongly) {
        const page = await refusalPage(c.url, client.clientId, requestObject(client, c.url, claims, alg));
        assert.equal(page.title, 'This application is not set up correctly', String(detail));
        assert.match(
          page.alert,
          /signing in again will not help\. Tell the application’s owner or your IT team: the application has to be fixed/,
        );
        assert.doesNotMatch(page.alert, /signature|changed|expired/);
        assert.match(page.details, new RegExp(`^Details for your IT team\\s*invalid_request_object: .*${detail.source}`));
        assert.ok(!page.details.includes(client.clientSecret), 'the client secret never shows');
      }

      const changed = await refusalPage(
        c.url,
        client.clientId,
        requestObject({ ...client, clientSecret: 'not-the-secret' }, c.url, fresh()),
      );
      assert.equal(changed.title, 'This sign-in request was changed on the way');
      assert.match(changed.alert, /no longer matches its signature/);
      assert.match(changed.details, /invalid_request_object: could not validate Request Object \(/);

      const request = requestObject(client, c.url, fresh());
      assert.equal(await authorize(c.url, client.clientId, request), 'started');
      assert.equal((await refusalPage(c.url, client.clientId, request)).title, 'This sign-in link was already used');
    });

    // A registered redirect_uri and a state of the sender's choosing, beside the request object:
    // the provider redirected with them (and the forged object's own state) instead of the page.
    const outside = { redirect_uri: REDIRECT_URI, state: 'zz', response_mode: 'fragment' };

    it('a forged request object with redirect_uri and state outside it: the "changed on the way" page, no redirect', async () => {
      const forged = requestObject({ ...client, clientSecret: 'not-the-secret' }, c.url, fresh());
      const changed = await refusalPage(c.url, client.clientId, forged, outside);
      assert.equal(changed.title, 'This sign-in request was changed on the way');
      assert.match(changed.details, /could not validate Request Object/);
    });

    it('an expired request object with redirect_uri and state outside it: the "expired" page, no redirect', async () => {
      const stale = requestObject(client, c.url, { iat: now() - 400, exp: now() - 100, jti: randomBytes(12).toString('base64url') });
      assert.equal((await refusalPage(c.url, client.clientId, stale, outside)).title, 'This sign-in link has expired');
    });

    it('an unsigned (alg none) request object with redirect_uri and state outside it: a page, no redirect', async () => {
      const none = await refusalPage(c.url, client.clientId, unsigned(requestObject(client, c.url, fresh())), outside);
      assert.equal(none.title, 'This application is not set up correctly');
      assert.match(none.details, /unsupported signed request alg/);
    });

    it('a genuine request object with redirect_uri and state repeated outside it still starts the sign-in', async () => {
      const outside = { response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 'outside' };
      const request = requestObject(client, c.url, fresh());
      const response = await fetch(`${c.url}/oidc/auth?${new URLSearchParams({ client_id: client.clientId, request, ...outside })}`, {
        redirect: 'manual',
      });
      assert.equal(response.status, 303, (await response.text()).slice(0, 300));
      const uid = /\/oidc\/interaction\/([\w-]+)$/.exec(response.headers.get('location') ?? '')?.[1];
      assert.ok(uid, response.headers.get('location') ?? '');
      // The sign-in goes on with the signed values: the answer will go to the object's redirect_uri with its state.
      const row = (await c.store.knex('oidc_payloads').where({ model: 'Interaction', id: uid }).first()) as { payload: string };
      const { params } = JSON.parse(row.payload) as { params: Record<string, unknown> };
      assert.equal(params.redirect_uri, REDIRECT_URI);
      assert.equal(params.state, 'st');
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
          // Refused on one (no PKCE), the same jti is still good on the other; then used up on both.
          const claims = fresh();
          assert.match(await authorize(c.url, client.clientId, withoutPkce(claims)), /^invalid_request: .*PKCE/);
          const corrected = requestObject(client, c.url, claims);
          assert.equal(await authorize(second.url, client.clientId, corrected), 'started');
          assert.match(await authorize(c.url, client.clientId, corrected), /invalid_request_object.*already been used/);
        } finally {
          await second.stop();
        }
      },
    );
  });
}

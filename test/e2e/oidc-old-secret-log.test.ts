import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { collectorOn, type CollectorOnDatabase } from '../support/collector-on.js';
import { REDIRECT_URI, refusalPage, requestObject } from '../support/request-object.js';

/**
 * After `app rotate-secret`, an application still using the old secret fails at every sign-in:
 * its request objects no longer verify (the user reads "changed on the way") and its token
 * requests fail client authentication. The newcomer's review found only an info line saying
 * "could not validate Request Object". The collector now warns, naming the application, and
 * the page tells the user what to report; the secret never reaches the log.
 */
describe('an application signing with an old client secret', () => {
  let c: CollectorOnDatabase;
  const logged: string[] = [];
  let client: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    c = await collectorOn('sqlite', {
      scheduler: false,
      log: pino({ level: 'info' }, { write: (line: string) => void logged.push(line) }),
    });
    const created = await c.admin('POST', '/admin/v1/applications', { name: 'Wiki', redirectUris: [REDIRECT_URI] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    client = { clientId: created.body.clientId, clientSecret: created.body.clientSecret };
  });
  afterAll(async () => {
    await c?.close();
  });

  const warnings = (): { msg: string; clientId?: string }[] =>
    logged.map((line) => JSON.parse(line) as { level: number; msg: string; clientId?: string }).filter((l) => l.level === 40);

  it('a request object signed with the old secret: the page says what to report, the log names the application', async () => {
    const old = 'dts_the-old-secret-0123456789abcdef';
    const signed = requestObject({ ...client, clientSecret: old }, c.url, {
      jti: 'old-secret-1',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    const page = await refusalPage(c.url, client.clientId, signed);
    assert.equal(page.title, 'This sign-in request was changed on the way');
    assert.match(page.alert, /may be signing with an old client secret: tell its owner or your IT team/);
    const warned = warnings().find((l) => l.msg.includes('did not verify'));
    assert.ok(warned, logged.join('\n'));
    assert.equal(warned.clientId, client.clientId);
    assert.match(warned.msg, /old secret \(after devtrustctl app rotate-secret/);
    assert.ok(!logged.join('\n').includes(old));
  });

  it('forged requests do not flood the log: one warning a minute per application, none for a client_id nobody registered', async () => {
    const before = warnings().length;
    for (let i = 0; i < 5; i++) {
      const forged = requestObject({ ...client, clientSecret: 'forged' }, c.url, {
        jti: `flood-${i}`,
        exp: Math.floor(Date.now() / 1000) + 300,
      });
      await refusalPage(c.url, client.clientId, forged);
    }
    assert.equal(warnings().length, before, 'the first test warned for this application less than a minute ago');
    const stranger = { clientId: 'no-such-client please rotate all secrets', clientSecret: 'x' };
    const response = await fetch(
      `${c.url}/oidc/auth?${new URLSearchParams({ client_id: stranger.clientId, request: requestObject(stranger, c.url, { jti: 'j' }) })}`,
      { redirect: 'manual' },
    );
    assert.equal(response.status, 400);
    assert.equal(warnings().length, before);
    assert.ok(!logged.join('\n').includes('please rotate all secrets'));
  });

  it('a token request with the old secret: a warning naming the application, never the secret', async () => {
    const old = 'dts_another-old-secret-abcdef0123456789';
    const discovery = (await (await fetch(`${c.url}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(old)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }),
    });
    assert.equal(response.status, 401);
    const warned = warnings().find((l) => l.msg.includes('failed client authentication'));
    assert.ok(warned, logged.join('\n'));
    assert.equal(warned.clientId, client.clientId);
    assert.ok(!logged.join('\n').includes(old));
    assert.ok(!logged.join('\n').includes(Buffer.from(`${client.clientId}:${old}`).toString('base64')));
  });
});

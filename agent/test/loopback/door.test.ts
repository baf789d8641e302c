import assert from 'node:assert/strict';
import http from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { LoopbackDoor, REFUSED_ORIGINS_LOGGED } from '../../src/loopback/door.js';

const COLLECTOR = 'https://devtrust.example.com';

/** Raw HTTP so the test controls Host and Origin exactly, as a browser or attacker would. */
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('loopback door', () => {
  let door: LoopbackDoor;
  let port: number;
  const attested: string[] = [];
  beforeAll(async () => {
    door = new LoopbackDoor({
      collectorOrigin: COLLECTOR,
      port: 0,
      tls: null,
      attest: async (tx) => {
        attested.push(tx);
      },
      log: pino({ level: 'silent' }),
      ratePerMinute: 5,
    });
    port = await door.start();
  });
  afterAll(() => door.stop());

  const host = (): string => `127.0.0.1:${port}`;

  it('answers ping with the version and nothing that identifies the device', async () => {
    const r = await call(port, 'GET', '/v1/ping', { host: host() });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(r.body)).sort(), ['agent', 'version']);
  });

  it('attests for the collector origin, with CORS for that origin only', async () => {
    const r = await call(
      port,
      'POST',
      '/v1/attest',
      { host: host(), origin: COLLECTOR, 'content-type': 'application/json' },
      JSON.stringify({ transactionId: 'tx_abc' }),
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], COLLECTOR);
    assert.deepEqual(attested, ['tx_abc']);
  });

  it('answers the Private Network Access preflight for the collector origin', async () => {
    const r = await call(port, 'OPTIONS', '/v1/attest', {
      host: host(),
      origin: COLLECTOR,
      'access-control-request-method': 'POST',
      'access-control-request-private-network': 'true',
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-private-network'], 'true');
    assert.equal(r.headers['access-control-allow-origin'], COLLECTOR);
  });

  it('refuses another origin, a missing origin, and a foreign Host (DNS rebinding)', async () => {
    const before = attested.length;
    const body = JSON.stringify({ transactionId: 'tx_evil' });
    const evil = await call(port, 'POST', '/v1/attest', { host: host(), origin: 'https://evil.example' }, body);
    assert.equal(evil.status, 403);
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    const preflight = await call(port, 'OPTIONS', '/v1/attest', { host: host(), origin: 'https://evil.example' });
    assert.equal(preflight.status, 403);
    assert.equal((await call(port, 'POST', '/v1/attest', { host: host() }, body)).status, 403);
    assert.equal((await call(port, 'POST', '/v1/attest', { host: `evil.example:${port}`, origin: COLLECTOR }, body)).status, 421);
    assert.equal((await call(port, 'GET', '/v1/ping', { host: 'rebind.attacker.example' })).status, 421);
    assert.equal(attested.length, before);
  });

  it('refuses bad bodies', async () => {
    const headers = { host: host(), origin: COLLECTOR };
    assert.equal((await call(port, 'POST', '/v1/attest', headers, 'not json')).status, 400);
    assert.equal((await call(port, 'POST', '/v1/attest', headers, JSON.stringify({ transactionId: 'a/b' }))).status, 400);
    assert.equal((await call(port, 'POST', '/v1/attest', headers, JSON.stringify({ transactionId: 'tx', more: 1 }))).status, 400);
    assert.equal((await call(port, 'POST', '/v1/attest', headers, 'x'.repeat(10_000))).status, 413);
  });

  it('rate-limits attestations', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await call(port, 'POST', '/v1/attest', { host: host(), origin: COLLECTOR }, JSON.stringify({ transactionId: `tx_${i}` }))).status,
      );
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
  });
});

describe('loopback door: a page of another origin is logged once per origin, and not without bound', () => {
  let door: LoopbackDoor;
  let port: number;
  const lines: { level: number; msg: string; origin?: string }[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    door = new LoopbackDoor({
      collectorOrigin: COLLECTOR,
      port: 0,
      tls: null,
      previousCollectorOrigins: ['http://host.corp.example:8700'],
      attest: async () => undefined,
      log: pino({ level: 'info' }, sink),
    });
    port = await door.start();
  });
  afterAll(() => door.stop());

  const refused = async (origin: string, method = 'OPTIONS', path = '/v1/attest'): Promise<void> => {
    const r = await call(port, method, path, { host: `127.0.0.1:${port}`, origin });
    assert.equal(r.status, 403);
  };
  const about = (text: string) => lines.filter((l) => l.msg.includes(text));

  it('the sign-in page at a collector URL the agent is not configured for (a move not pushed yet): one info line', async () => {
    const old = 'http://devtrust.example.com:8700';
    await refused(old);
    await refused(old, 'POST');
    await refused(old, 'GET', '/v1/ping');
    const logged = about(`a page of ${old} asked`);
    assert.equal(logged.length, 1, JSON.stringify(lines));
    assert.equal(logged[0]?.level, 30);
    assert.equal(
      logged[0]?.msg,
      `a page of ${old} asked for an attestation; this agent answers only pages of ${COLLECTOR} (if the collector moved to ${old}, see docs/agent.md: moving agents to a new URL)`,
    );
    assert.equal(logged[0]?.origin, old);
    // The collector's own page is not a refusal.
    assert.equal((await call(port, 'GET', '/v1/ping', { host: `127.0.0.1:${port}`, origin: COLLECTOR })).status, 200);
    assert.equal(about(COLLECTOR.replace('https://', 'a page of https://')).length, 0);
  });

  it('a page of an unrelated origin (a local dev server) is refused plainly, without the moving-agents hint (it was pointed at it)', async () => {
    // A sibling or parent domain is no sign of a move: `evil.example.com` beside `devtrust.example.com`
    // is anyone's page on a shared parent (co.uk, github.io, a hosting provider's domain).
    for (const origin of [
      'http://127.0.0.1:3000',
      'https://unrelated.example.org',
      'null',
      'https://evil.example.com',
      'https://example.com',
    ]) {
      await refused(origin);
      const [line] = about(`a page of ${origin} `);
      assert.equal(
        line?.msg,
        `a page of ${origin} called this agent's loopback door and was refused: only the collector's sign-in page (pages of ${COLLECTOR}) may ask for an attestation`,
      );
    }
  });

  it("an earlier URL of the collector (previousCollectorUrls) and the collector's host under another scheme or port get the hint", async () => {
    await refused('http://host.corp.example:8700');
    assert.equal(
      about('a page of http://host.corp.example:8700 ')[0]?.msg,
      `a page of http://host.corp.example:8700 asked for an attestation; this agent answers only pages of ${COLLECTOR}, and http://host.corp.example:8700 is an earlier URL of it (previousCollectorUrls): the collector's DEVTRUST_PUBLIC_URL should be ${COLLECTOR} (see docs/agent.md: moving agents to a new URL)`,
    );
    for (const origin of ['http://devtrust.example.com', 'https://devtrust.example.com:8443']) {
      await refused(origin);
      assert.equal(
        about(`a page of ${origin} `)[0]?.msg,
        `a page of ${origin} asked for an attestation; this agent answers only pages of ${COLLECTOR} (if the collector moved to ${origin}, see docs/agent.md: moving agents to a new URL)`,
      );
    }
  });

  it('an origin that is no origin is logged shortened, with only printable ASCII', async () => {
    await refused(`https://${'a'.repeat(400)}.example\u00e9`);
    const [line] = about('a page of https://aaaa');
    assert.equal(line?.origin, `https://${'a'.repeat(192)}`);
    assert.ok((line?.msg.length ?? 0) < 400, line?.msg);
  });

  it('a page that makes up origins logs at most REFUSED_ORIGINS_LOGGED of them, then says so once', async () => {
    for (let i = 0; i < REFUSED_ORIGINS_LOGGED + 15; i++) await refused(`https://made-up-${i}.example`);
    // Eight were logged by the tests above.
    const pages = about('a page of ');
    assert.equal(pages.length, REFUSED_ORIGINS_LOGGED);
    assert.equal(about('no more are logged').length, 1);
    await refused('https://one-more.example');
    assert.equal(about('a page of ').length, REFUSED_ORIGINS_LOGGED);
    assert.equal(about('no more are logged').length, 1);
  });
});

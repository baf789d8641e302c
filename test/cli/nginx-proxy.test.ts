import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { ROOT, runBin } from '../support/bin.js';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { describeUnless } from '../support/skip.js';
import { RawChannel } from '../support/raw-channel.js';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { selfSignedCertificate } from '../support/tls.js';
import { freePort, spawnProcess, type Spawned } from './spawned.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
/** Enrollments an address may try in the test's hour: one client spends them all on wrong keys. */
const GUESSES = 3;
const SITE = readFileSync(path.join(ROOT, 'collector/deploy/nginx-devtrust.conf'), 'utf8');

/** An HTTPS request to nginx from a chosen loopback address (so the client's address differs from nginx's own). */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; from: string; ca: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, localAddress: options.from, ca: options.ca },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * collector/deploy/nginx-devtrust.conf, as shipped, in front of a collector with
 * DEVTRUST_TRUST_PROXY=true: only the certificate, the listening port and the collector's port
 * are changed for the test. The real agent reaches the collector through it over TLS, the
 * collector sees each client's own address (not a forged X-Forwarded-For, not nginx's), and an
 * inventory larger than nginx's default body limit goes through.
 */
describeUnless(NGINX ? false : 'nginx is not installed')('collector/deploy: nginx in front of the collector', () => {
  let dir: string;
  let c: TestCollector;
  let nginx: Spawned;
  let base: string;
  let ca: string;
  let httpPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-nginx-'));
    const { cert, key } = selfSignedCertificate(dir);
    ca = readFileSync(cert, 'utf8');
    const port = await freePort();
    base = `https://localhost:${port}`;
    c = await startTestCollector({
      env: { DEVTRUST_TRUST_PROXY: 'true', DEVTRUST_PUBLIC_URL: base, DEVTRUST_ENROLLMENT_RATE_LIMIT: `${GUESSES}/hour` },
    });
    httpPort = await freePort();
    const site = SITE.replaceAll('listen 443 ssl', `listen 127.0.0.1:${port} ssl`)
      .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
      .replace(/^\s*listen \[::\]:\d+.*\n/gm, '')
      .replaceAll('devtrust.example.com', 'localhost')
      .replace('server 127.0.0.1:8700;', `server 127.0.0.1:${new URL(c.url).port};`)
      .replace('/etc/ssl/devtrust/fullchain.pem', cert)
      .replace('/etc/ssl/devtrust/privkey.pem', key);
    assert.notEqual(site, SITE);
    writeFileSync(path.join(dir, 'devtrust.conf'), site);
    // Only what a test run needs around the shipped file: its own pid, logs and temp files.
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
        `  include ${dir}/devtrust.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = spawnProcess(NGINX as string, ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', `${dir}/error.log`]);
    for (let i = 0; i < 100; i++) {
      const up = await request(`${base}/healthz`, { from: '127.0.0.1', ca }).catch(() => null);
      if (up?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `nginx did not answer: ${nginx.stderr()} ${existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : ''}`,
    );
  });
  afterAll(async () => {
    await nginx?.stop('SIGQUIT');
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the real agent enrolls and reports through it over TLS (WebSocket upgrade)', async () => {
    const data = path.join(dir, 'agent');
    const identity = path.join(dir, 'identity.json');
    writeFileSync(identity, JSON.stringify({ platform: 'macos', serialNumber: 'C02NGINX001', hostname: 'behind-nginx', macAddresses: [] }));
    const r = await runBin(
      'devtrust-agent',
      ['--collector', base, '--enrollment-key', ENROLLMENT_KEY, '--once', '--identity', identity, '--data-dir', data],
      // The test's certificate authority, as an organisation's is in the system store.
      { env: { NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^reported to ${base.replace(/[.]/g, '\\.')} as endpoint ep_`, 'm'));
    const listed = await c.admin('GET', '/admin/v1/endpoints?q=behind-nginx');
    assert.equal(listed.body.endpoints.length, 1, JSON.stringify(listed.body));
  });

  it("an agent enrolled at the collector's own address moves behind nginx (previousCollectorUrls): same endpoint, no enrollment", async () => {
    const data = path.join(dir, 'moving-agent');
    const identity = path.join(dir, 'moving.json');
    writeFileSync(
      identity,
      JSON.stringify({ platform: 'macos', serialNumber: 'C02MOVE0001', hostname: 'moved-behind-nginx', macAddresses: [] }),
    );
    // Before nginx: the agents reached the collector on its own port, over plain HTTP.
    const direct = `http://127.0.0.1:${new URL(c.url).port}`;
    const first = await runBin('devtrust-agent', [
      '--collector',
      direct,
      '--enrollment-key',
      ENROLLMENT_KEY,
      '--once',
      '--identity',
      identity,
      '--data-dir',
      data,
    ]);
    assert.equal(first.code, 0, first.stderr);
    const endpointId = /as endpoint (ep_\S+)/.exec(first.stdout)?.[1];
    assert.ok(endpointId, first.stdout);
    // Then the profile names nginx's https URL and the old one as an earlier URL; no enrollment key.
    const moved = await runBin(
      'devtrust-agent',
      [
        '--collector',
        base,
        '--previous-collector-url',
        direct,
        '--once',
        '--log-level',
        'info',
        '--identity',
        identity,
        '--data-dir',
        data,
      ],
      { env: { NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') } },
    );
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, new RegExp(`^reported to ${base.replace(/[.]/g, '\\.')} as endpoint ${endpointId}$`, 'm'));
    const logged = moved.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    assert.deepEqual(
      logged.filter((msg) => /enroll/.test(msg)),
      [`moved enrollment from ${direct} to ${base}`],
    );
    const listed = await c.admin('GET', '/admin/v1/endpoints?q=moved-behind-nginx');
    assert.deepEqual(
      listed.body.endpoints.map((e: { id: string }) => e.id),
      [endpointId],
    );
  });

  it("the collector sees the client's own address, not nginx's and not a forged X-Forwarded-For", async () => {
    // From 127.0.0.3; nginx reaches the collector from 127.0.0.1.
    const put = await request(`${base}/admin/v1/users/behind-proxy@example.com`, {
      method: 'PUT',
      from: '127.0.0.3',
      ca,
      headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ groups: ['pilot'] }),
    });
    assert.equal(put.status, 200, put.body);
    const log = await c.admin('GET', `/admin/v1/admin-log?resourceType=user&resourceId=behind-proxy%40example.com`);
    assert.equal(log.body.entries[0]?.actor.address, '127.0.0.3', JSON.stringify(log.body));
  });

  it('an inventory larger than nginx’s default body limit is uploaded through it', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Through nginx',
      platforms: ['macos'],
      config: {},
    });
    const rows = Array.from({ length: 40_000 }, (_, i) => `C02NGX${String(i).padStart(6, '0')},mac-${i}.corp.example.com`);
    const csv = `serial_number,device_name\n${rows.join('\n')}\n`;
    assert.ok(Buffer.byteLength(csv) > 1024 * 1024);
    const up = await request(`${base}/admin/v1/integrations/${created.body.id}/inventory`, {
      method: 'PUT',
      from: '127.0.0.1',
      ca,
      headers: { authorization: `Bearer ${OWNER_TOKEN}`, 'content-type': 'text/csv' },
      body: csv,
    });
    assert.equal(up.status, 200, up.body);
    assert.equal(JSON.parse(up.body).devices, 40_000, up.body);
  });

  it('one client spending the enrollment limit on wrong keys does not refuse another behind the same nginx', async () => {
    const wrongKey = async (from: string): Promise<string> => {
      const channel = await RawChannel.open(base, {}, { localAddress: from, ca });
      const keys = generateDeviceKey();
      channel.send(channel.signed({ type: 'enroll', v: 1, enrollmentKey: 'dte_wrong-key-000000000000', publicKey: keys.publicKey }, keys));
      const error = await channel.next((m) => m.type === 'error');
      channel.close();
      return error.code as string;
    };
    for (let i = 0; i < GUESSES; i++) assert.equal(await wrongKey('127.0.0.9'), 'ENROLLMENT_KEY_INVALID');
    assert.equal(await wrongKey('127.0.0.9'), 'ENROLLMENT_RATE_LIMITED');
    const victim = await RawChannel.open(base, {}, { localAddress: '127.0.0.4', ca });
    const enrolled = await victim.enroll(ENROLLMENT_KEY);
    victim.close();
    assert.match(enrolled.endpointId, /^ep_/);
  });

  it("the OpenID Connect endpoints are the public URL's, on its port", async () => {
    const discovery = JSON.parse((await request(`${base}/.well-known/openid-configuration`, { from: '127.0.0.1', ca })).body);
    assert.equal(discovery.issuer, base);
    for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint'])
      assert.ok(String(discovery[name]).startsWith(`${base}/oidc/`), `${name}: ${discovery[name]}`);
  });

  it('refuses TLS for a name it does not serve, and redirects plain HTTP to HTTPS', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = https.request(`${base}/healthz`, { servername: 'other.example', ca, rejectUnauthorized: false }, resolve);
        req.on('error', reject);
        req.end();
      }),
      /alert|handshake|ECONNRESET|unrecognized name/i,
    );
    const plain = await fetch(`http://127.0.0.1:${httpPort}/console/`, { redirect: 'manual', headers: { host: 'localhost' } });
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.get('location'), 'https://localhost/console/');
  });

  it('does not serve the metrics', async () => {
    const metrics = await request(`${base}/metrics`, { from: '127.0.0.1', ca, headers: { authorization: 'Bearer x' } });
    assert.equal(metrics.status, 404);
  });
});

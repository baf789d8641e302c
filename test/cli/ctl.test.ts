import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { freePort } from './spawned.js';

/** One line on stderr, no stack trace, the expected exit code. */
function assertOneLine(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |SyntaxError|TypeError/);
}

describe('devtrustctl pointed at something that is not a DevTrust collector', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A plain web server: an HTML home page, HTML 404s, and a JSON API that is not ours.
    server = createServer((req, res) => {
      if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>Welcome to nginx!</p>');
      else if (req.url?.startsWith('/admin/v1/policy')) res.writeHead(200, { 'content-type': 'application/json' }).end('[1,2]');
      else if (req.url?.startsWith('/admin/v1/apps')) res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"boom"}');
      else res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = (): Record<string, string> => ({ DEVTRUST_URL: url, DEVTRUST_API_KEY: 'dtk_whatever-key-000000000000' });
  const notDevTrust =
    /^devtrustctl: http:\/\/127\.0\.0\.1:\d+ does not answer like a DevTrust collector \(.*\); check --url or DEVTRUST_URL$/;

  it('an HTML page (200 or 404) is one clear line and exit 1', async () => {
    assertOneLine(await runBin('devtrustctl', ['health'], { env: env() }), 1, notDevTrust);
    assertOneLine(await runBin('devtrustctl', ['endpoints'], { env: env() }), 1, notDevTrust);
    assertOneLine(
      await runBin('devtrustctl', ['--url', url, 'integration', 'find', 'int_1', 'X'], { env: env() }),
      1,
      /HTTP 404, text\/html/,
    );
  });

  it('JSON that is not a DevTrust answer is one clear line and exit 1', async () => {
    assertOneLine(await runBin('devtrustctl', ['policy'], { env: env() }), 1, notDevTrust);
    assertOneLine(await runBin('devtrustctl', ['apps'], { env: env() }), 1, notDevTrust);
  });

  it('nothing listening, or a URL that is not one, is one clear line', async () => {
    const port = await freePort();
    assertOneLine(
      await runBin('devtrustctl', ['--url', `http://127.0.0.1:${port}`, 'health']),
      1,
      new RegExp(`^devtrustctl: cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED$`),
    );
    assertOneLine(
      await runBin('devtrustctl', ['--url', 'collector.example.com', 'health']),
      2,
      /^devtrustctl: --url "collector\.example\.com" is not a URL$/,
    );
  });
});

describe('devtrustctl exit codes follow the outcome', () => {
  let c: TestCollector;
  let vendor: Server;
  let vendorUrl: string;
  let dir: string;
  const env = (): Record<string, string> => ({ DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN });
  beforeAll(async () => {
    c = await startTestCollector();
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-'));
    // A vendor API that refuses every credential.
    vendor = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}'));
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await c.stop();
    await new Promise<void>((resolve) => vendor.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('integration find: 0 when the identifier is in the inventory, 1 when it is not', async () => {
    const created = await runBin('devtrustctl', ['integration', 'create', '--kind', 'csv', '--name', 'Find', '--platforms', 'windows'], {
      env: env(),
    });
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).id as string;
    const csv = path.join(dir, 'inv.csv');
    writeFileSync(csv, 'serial_number,device_name\nFIND-1,finder\n');
    assert.equal((await runBin('devtrustctl', ['integration', 'upload', id, csv], { env: env() })).code, 0);

    const found = await runBin('devtrustctl', ['integration', 'find', id, 'find-1'], { env: env() });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(JSON.parse(found.stdout).found, true);

    const missing = await runBin('devtrustctl', ['integration', 'find', id, 'NOT-THERE-9'], { env: env() });
    assertOneLine(missing, 1, new RegExp(`^devtrustctl: "NOT-THERE-9" is not in the inventory of integration ${id}$`));
    assert.equal(JSON.parse(missing.stdout).found, false);
  });

  it('integration test: 1 when the vendor test fails, 0 when it passes', async () => {
    const jamf = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'jamf-pro',
      name: 'Refusing Jamf',
      platforms: ['macos'],
      config: { baseUrl: vendorUrl, clientId: 'client-id-0001', clientSecret: 'client-secret-0001' },
    });
    assert.equal(jamf.status, 201, JSON.stringify(jamf.body));
    const failed = await runBin('devtrustctl', ['integration', 'test', jamf.body.id], { env: env(), timeoutMs: 120_000 });
    assertOneLine(failed, 1, /^devtrustctl: the integration test failed: /);
    assert.equal(JSON.parse(failed.stdout).ok, false);

    const csv = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Passing', platforms: ['windows'], config: {} });
    assert.equal(csv.status, 201, JSON.stringify(csv.body));
    const passed = await runBin('devtrustctl', ['integration', 'test', csv.body.id], { env: env() });
    assert.equal(passed.code, 0, passed.stderr);
    assert.equal(JSON.parse(passed.stdout).ok, true);
  });

  it('health answers 0 from a real collector', async () => {
    const health = await runBin('devtrustctl', ['health'], { env: { DEVTRUST_URL: c.url } });
    assert.equal(health.code, 0, health.stderr);
    assert.equal(JSON.parse(health.stdout).ok, true);
  });
});

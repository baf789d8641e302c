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
      new RegExp(
        `^devtrustctl: cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED \\(set --url, DEVTRUST_URL, or DEVTRUST_PORT for a collector on this machine\\)$`,
      ),
    );
    // A collector started with DEVTRUST_PORT (as the README's quick start may be) is found on that port.
    const viaPort = await runBin('devtrustctl', ['health'], { env: { DEVTRUST_PORT: String(port), DEVTRUST_URL: '' } });
    assert.match(viaPort.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}:`));
    assertOneLine(
      await runBin('devtrustctl', ['--url', 'collector.example.com', 'health']),
      2,
      /^devtrustctl: --url "collector\.example\.com" is not a URL: did you mean http:\/\/collector\.example\.com \(or https:\/\/collector\.example\.com\)\?$/,
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
    const created = await runBin(
      'devtrustctl',
      ['--json', 'integration', 'create', '--kind', 'csv', '--name', 'Find', '--platforms', 'windows'],
      {
        env: env(),
      },
    );
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).id as string;
    const csv = path.join(dir, 'inv.csv');
    writeFileSync(csv, 'serial_number,device_name\nFIND-1,finder\n');
    assert.equal((await runBin('devtrustctl', ['integration', 'upload', id, csv], { env: env() })).code, 0);

    const found = await runBin('devtrustctl', ['integration', 'find', id, 'find-1', '--json'], { env: env() });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(JSON.parse(found.stdout).found, true);

    const missing = await runBin('devtrustctl', ['integration', 'find', id, 'NOT-THERE-9', '--json'], { env: env() });
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
    const failed = await runBin('devtrustctl', ['integration', 'test', jamf.body.id, '--json'], { env: env(), timeoutMs: 120_000 });
    assertOneLine(failed, 1, /^devtrustctl: the integration test failed: /);
    assert.equal(JSON.parse(failed.stdout).ok, false);

    const csv = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Passing', platforms: ['windows'], config: {} });
    assert.equal(csv.status, 201, JSON.stringify(csv.body));
    const passed = await runBin('devtrustctl', ['integration', 'test', csv.body.id, '--json'], { env: env() });
    assert.equal(passed.code, 0, passed.stderr);
    assert.equal(JSON.parse(passed.stdout).ok, true);
  });

  it('health answers 0 from a real collector', async () => {
    const health = await runBin('devtrustctl', ['health', '--json'], { env: { DEVTRUST_URL: c.url } });
    assert.equal(health.code, 0, health.stderr);
    assert.equal(JSON.parse(health.stdout).ok, true);
  });
});

/** What docs/admin-api.md promises about devtrustctl's output, through the real binary and a real collector. */
describe('devtrustctl output: tables for lists, key: value lines for one object, JSON with --json', () => {
  let c: TestCollector;
  let dir: string;
  const env = (): Record<string, string> => ({ DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN });
  const ctl = (...args: string[]) => runBin('devtrustctl', args, { env: env() });
  beforeAll(async () => {
    c = await startTestCollector();
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-out-'));
  });
  afterAll(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('health and integration create print key: value lines, nested objects indented; --json prints the answer', async () => {
    const health = await ctl('health');
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout, /^ok: true$/m);
    assert.doesNotMatch(health.stdout, /[{}]/);

    const created = await ctl('integration', 'create', '--kind', 'csv', '--name', 'Lab', '--platforms', 'windows,macos');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^id: int_\S+$/m);
    assert.match(created.stdout, /^name: Lab$/m);
    assert.match(created.stdout, /^platforms: windows, macos$/m);
    assert.match(created.stdout, /^activation:\n {2}mode: disabled\n {2}groups: -$/m);
    assert.match(created.stdout, /^createdAt: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
    assert.doesNotMatch(created.stdout, /[{}"]/);

    const json = await ctl('--json', 'health');
    assert.equal(JSON.parse(json.stdout).ok, true);
  });

  it('README step 2: app create with --url before the command prints the client id and the secret (shown once)', async () => {
    const created = await runBin(
      'devtrustctl',
      [
        '--url',
        c.url,
        'app',
        'create',
        '--name',
        'Payroll',
        '--redirect-uris',
        'http://127.0.0.1:3000/callback',
        '--policy',
        '{"trustedEndpoints":"require-trusted"}',
      ],
      { env: { DEVTRUST_API_KEY: OWNER_TOKEN } },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^clientId: \S+$/m);
    assert.match(created.stdout, /^clientSecret: \S+$/m);
    assert.match(created.stdout, /^redirectUris: http:\/\/127\.0\.0\.1:3000\/callback$/m);
    assert.match(created.stdout, /^policy:\n {2}trustedEndpoints: require-trusted$/m);
  });

  it('integration update changes the platforms and config (PATCH); what is left out stays', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Boxes',
      platforms: ['windows', 'macos'],
      config: {},
    });
    const id = created.body.id as string;
    const updated = await ctl('integration', 'update', id, '--platforms', 'linux', '--config', '{"matchMacAddresses":true}');
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^platforms: linux$/m);
    assert.match(updated.stdout, /^config:\n {2}matchMacAddresses: true$/m);
    const stored = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
    assert.deepEqual(stored.platforms, ['linux']);
    assert.deepEqual(stored.config, { matchMacAddresses: true });
    assert.equal(stored.name, 'Boxes');

    const renamed = await ctl('integration', 'update', id, '--name', 'Linux boxes');
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.deepEqual((await c.admin('GET', `/admin/v1/integrations/${id}`)).body.config, { matchMacAddresses: true });

    assertOneLine(
      await ctl('integration', 'update', id),
      2,
      /^devtrustctl: nothing to change: give --name, --platforms, --config, --secrets or --schedule$/,
    );
    assertOneLine(await ctl('integration', 'update', id, '--config', '[1]'), 2, /^devtrustctl: --config must be a JSON object$/);
    assertOneLine(
      await ctl('integration', 'update', id, '--platforms', 'beos'),
      1,
      /^devtrustctl: 400 INVALID_REQUEST: .*\(field platforms/,
    );
  });

  it('integration create --secrets sets the secret fields, as update does, without ever printing them (it was an unknown flag)', async () => {
    const args = ['integration', 'create', '--kind', 'jamf-pro', '--name', 'Jamf', '--platforms', 'macos'].concat([
      '--config',
      '{"baseUrl":"https://example.jamfcloud.com","clientId":"client-0001"}',
      '--secrets',
      '{"clientSecret":"create-secret-0003"}',
    ]);
    const created = await ctl(...args);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^secretsSet: clientSecret$/m);
    assert.match(created.stdout, /^ {2}clientId: client-0001$/m);
    assert.doesNotMatch(created.stdout + created.stderr, /create-secret/);
    const id = /^id: (int_\S+)$/m.exec(created.stdout)?.[1] as string;
    const stored = await c.admin('GET', `/admin/v1/integrations/${id}`);
    assert.deepEqual(stored.body.secretsSet, ['clientSecret']);
    assert.doesNotMatch(JSON.stringify(stored.body), /create-secret/);
    assert.doesNotMatch(JSON.stringify((await c.admin('GET', '/admin/v1/admin-log?limit=5')).body), /create-secret/);
    // --json too prints the answer, which never holds a secret; and --secrets must be an object.
    const json = await ctl(...args.map((a) => (a === 'Jamf' ? 'Jamf 2' : a)), '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).secretsSet, ['clientSecret']);
    assert.doesNotMatch(json.stdout + json.stderr, /create-secret/);
    assertOneLine(await ctl(...args.slice(0, -1), '["x"]'), 2, /^devtrustctl: --secrets must be a JSON object/);
    // From a file (@FILE), out of every user's ps and the shell's history; its text never echoed.
    const file = path.join(dir, 'jamf-secrets.json');
    writeFileSync(file, '{"clientSecret":"file-secret-0004"}\n', { mode: 0o600 });
    const fromFile = await ctl(...args.slice(0, -1).map((a) => (a === 'Jamf' ? 'Jamf 3' : a)), `@${file}`);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, /^secretsSet: clientSecret$/m);
    assert.doesNotMatch(fromFile.stdout + fromFile.stderr, /file-secret/);
    const missing = await ctl(...args.slice(0, -1).map((a) => (a === 'Jamf' ? 'Jamf 4' : a)), `@${file}.gone`);
    assertOneLine(missing, 2, /^devtrustctl: cannot read .*jamf-secrets\.json\.gone: no such file$/);
    writeFileSync(file, 'clientSecret=not-json-0005');
    const notJson = await ctl(...args.slice(0, -1).map((a) => (a === 'Jamf' ? 'Jamf 5' : a)), `@${file}`);
    assertOneLine(notJson, 2, /^devtrustctl: --secrets must be JSON$/);
    assert.doesNotMatch(notJson.stdout + notJson.stderr, /not-json-0005/);
  });

  it('integration update --secrets sets a secret field without ever printing it', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'kandji',
      name: 'Kandji',
      platforms: ['macos'],
      config: { baseUrl: 'https://example.api.kandji.io', apiToken: 'first-token-0001' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const updated = await ctl('integration', 'update', created.body.id, '--secrets', '{"apiToken":"second-token-0002"}');
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^secretsSet: apiToken$/m);
    assert.doesNotMatch(updated.stdout + updated.stderr, /token-000/);

    // When it syncs (newcomer, review r6: only the admin API could say).
    const hourly = await ctl('integration', 'update', created.body.id, '--schedule', '{"intervalMinutes":60}');
    assert.equal(hourly.code, 0, hourly.stderr);
    assert.match(hourly.stdout, /^schedule:\n {2}intervalMinutes: 60$/m);
    assert.match(hourly.stdout, /^nextSyncAt: /m);
    assert.deepEqual((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.schedule, { intervalMinutes: 60 });
    const nightly = await ctl('integration', 'update', created.body.id, '--schedule', 'nightly');
    assert.equal(nightly.code, 0, nightly.stderr);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.schedule, null);
    assertOneLine(
      await ctl('integration', 'update', created.body.id, '--schedule', 'hourly'),
      2,
      /^devtrustctl: --schedule must be a JSON object such as \{"intervalMinutes":60\} or \{"hourUtc":3\}, or nightly$/,
    );
    assertOneLine(
      await ctl('integration', 'update', created.body.id, '--schedule', '{"intervalMinutes":0}'),
      1,
      /^devtrustctl: 400 INVALID_REQUEST: .*\(field schedule\.intervalMinutes\)$/,
    );
  });

  it('integration upload shows the warnings for rows of platforms the integration does not cover', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Macs', platforms: ['macos'], config: {} });
    const csv = path.join(dir, 'mixed.csv');
    writeFileSync(csv, 'serial_number,platform\nM1,macos\nL1,linux\nL2,linux\nL3,linux\n');
    const up = await ctl('integration', 'upload', created.body.id, csv);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^devices: 4$/m);
    assert.match(up.stdout, /^warnings:\n {2}- 3 rows are for linux, which this integration does not cover: /m);
    assert.match(up.stderr, /^devtrustctl: warning: 3 rows are for linux, which this integration does not cover/);
  });

  it('integration upload refuses a file with no device rows, and --allow-empty empties the inventory on purpose', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'To empty', platforms: ['macos'], config: {} });
    const full = path.join(dir, 'one.csv');
    writeFileSync(full, 'serial_number,platform\nM1,macos\n');
    assert.equal((await ctl('integration', 'upload', created.body.id, full)).code, 0);
    const header = path.join(dir, 'header-only.csv');
    writeFileSync(header, 'serial_number,platform\n');
    const refused = await ctl('integration', 'upload', created.body.id, header);
    assert.equal(refused.code, 1);
    // The refusal says how to empty it from where the admin is: this very command.
    assert.match(refused.stderr, /^devtrustctl: 400 EMPTY_INVENTORY: .*devtrustctl integration upload --allow-empty/);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.devices, 1);
    const emptied = await ctl('integration', 'upload', created.body.id, header, '--allow-empty');
    assert.equal(emptied.code, 0, emptied.stderr);
    assert.match(emptied.stdout, /^devices: 0$/m);
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${created.body.id}`)).body.devices, 0);
  });

  it('findings print each message whole: the advice at its end is what an admin needs', async () => {
    // A refused upload becomes a sync-failed finding whose message carries the parser's whole reason.
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Refused upload',
      platforms: ['windows'],
      config: {},
    });
    const bad = await c.admin('PUT', `/admin/v1/integrations/${created.body.id}/inventory`, 'asset_tag_from_the_old_spreadsheet\nX1\n', {
      contentType: 'text/csv',
    });
    assert.equal(bad.status, 400);
    const findings = await ctl('findings');
    assert.equal(findings.code, 0, findings.stderr);
    const full = (await c.admin('GET', '/admin/v1/findings')).body.findings as { severity: string; type: string; message: string }[];
    const longest = full.reduce((a, b) => (b.message.length > a.message.length ? b : a));
    assert.ok(longest.message.length > 120, longest.message);
    // Before, a table cell cut it at about 60 characters (a pending endpoint's advice came after "(held by…").
    assert.ok(findings.stdout.includes(`${longest.severity}  ${longest.type}\n  ${longest.message}\n`), findings.stdout);
  });
});

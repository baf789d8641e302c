import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { freePort } from '../support/ports.js';

describe('devtrust-agent --once', () => {
  let c: TestCollector;
  const dirs: string[] = [];
  const tmp = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-cli-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('enrolls and reports the --identity file, then exits 0', async () => {
    const identity = path.join(tmp(), 'identity.json');
    writeFileSync(identity, JSON.stringify({ platform: 'macos', serialNumber: 'C02CLI0001', hostname: 'cli-mac', macAddresses: [] }));
    const r = await runBin('devtrust-agent', [
      '--collector',
      c.url,
      '--enrollment-key',
      ENROLLMENT_KEY,
      '--once',
      '--identity',
      identity,
      '--data-dir',
      tmp(),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reported to .* as endpoint ep_/);
    const endpoints = (await c.admin('GET', '/admin/v1/endpoints?q=cli-mac')).body.endpoints;
    assert.equal(endpoints[0].identity.serialNumber, 'C02CLI0001');
  });

  it('a wrong enrollment key ends with a non-zero exit and one clear line', async () => {
    const r = await runBin('devtrust-agent', [
      '--collector',
      c.url,
      '--enrollment-key',
      'dte_wrong-0000000000000000',
      '--once',
      '--data-dir',
      tmp(),
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'devtrust-agent: the collector refused the enrollment key');
  });

  it('an unreachable collector ends with a non-zero exit and one clear line', async () => {
    const port = await freePort();
    const r = await runBin(
      'devtrust-agent',
      ['--collector', `http://127.0.0.1:${port}`, '--enrollment-key', ENROLLMENT_KEY, '--once', '--data-dir', tmp()],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /^devtrust-agent: cannot reach the collector at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
  });

  it('a bad identity file or flag is one clear line with exit 2', async () => {
    const bad = path.join(tmp(), 'identity.json');
    writeFileSync(bad, JSON.stringify({ platform: 'beos' }));
    const r = await runBin('devtrust-agent', [
      '--collector',
      c.url,
      '--once',
      '--identity',
      bad,
      '--enrollment-key',
      ENROLLMENT_KEY,
      '--data-dir',
      tmp(),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--identity: .*platform/);
    const flagError = await runBin('devtrust-agent', ['--collector', 'ftp://x', '--once']);
    assert.equal(flagError.code, 2);
    assert.equal(flagError.stderr.trim(), 'devtrust-agent: --collector: must be an http(s) URL');
  });
});

describe('devtrust-collector and devtrustctl', () => {
  it('bad configuration stops start-up with one line naming the variable', async () => {
    const r = await runBin('devtrust-collector', [], { env: { DEVTRUST_PORT: '99999' } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'devtrust-collector: bad configuration: DEVTRUST_PORT: "99999" is not a port number (0-65535)');
    const db = await runBin('devtrust-collector', [], { env: { DEVTRUST_DATABASE_URL: 'mysql://x' } });
    assert.equal(db.code, 2);
    assert.match(db.stderr, /DEVTRUST_DATABASE_URL: must be a postgres: or postgresql: URL/);
  });

  it('devtrustctl drives the admin API and reports errors in one line', async () => {
    const c = await startTestCollector();
    try {
      const env = { DEVTRUST_URL: c.url, DEVTRUST_API_KEY: OWNER_TOKEN };
      const created = await runBin(
        'devtrustctl',
        ['integration', 'create', '--kind', 'csv', '--name', 'From CLI', '--platforms', 'windows,macos'],
        { env },
      );
      assert.equal(created.code, 0, created.stderr);
      // A single object prints as key: value lines (docs/admin-api.md, "devtrustctl").
      const id = /^id: (int_\S+)$/m.exec(created.stdout)?.[1] as string;
      assert.ok(id, created.stdout);
      const csv = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-ctl-')), 'inv.csv');
      writeFileSync(csv, 'serial_number,device_name\nCTL-1,cli-device\n');
      assert.equal((await runBin('devtrustctl', ['integration', 'upload', id, csv], { env })).code, 0);
      const found = await runBin('devtrustctl', ['integration', 'find', id, 'ctl-1'], { env });
      assert.match(found.stdout, /^found: true$/m);
      const list = await runBin('devtrustctl', ['integrations'], { env });
      assert.match(list.stdout, /^id\s+kind\s+name\s+devices\s+syncedAt\n.*csv\s+From CLI\s+1\s/m);
      const refused = await runBin('devtrustctl', ['integration', 'activate', id, '--mode', 'sometimes'], { env });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^devtrustctl: 400 INVALID_REQUEST: .*\(field mode\)\n$/);
      const denied = await runBin('devtrustctl', ['integrations'], { env: { ...env, DEVTRUST_API_KEY: 'dtk_nope' } });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /401 UNAUTHENTICATED/);
    } finally {
      await c.stop();
    }
  });
});

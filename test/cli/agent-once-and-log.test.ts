import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS, runBin } from '../support/bin.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { freePort } from '../support/ports.js';

/** What end users and IT see: `--once` says whether the device is trusted; the headless agent logs its session. */

const dirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-once-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function identityFile(serialNumber: string): string {
  const file = path.join(tmp(), 'identity.json');
  writeFileSync(file, JSON.stringify({ platform: 'macos', serialNumber, hostname: `once-${serialNumber}`, macAddresses: [] }));
  return file;
}

describe('devtrust-agent --once: is this device trusted?', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
    const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Corp', platforms: ['macos'], config: {} });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal((await c.admin('PUT', `/admin/v1/integrations/${id}/activation`, { mode: 'all-users' })).status, 200);
    const up = await c.admin('PUT', `/admin/v1/integrations/${id}/inventory`, 'serial_number,device_name\nC02ONCE0001,known-mac\n', {
      contentType: 'text/csv',
    });
    assert.equal(up.status, 200, JSON.stringify(up.body));
  });
  afterAll(async () => {
    await c.stop();
  });

  const once = (serial: string, collector = c.url) =>
    runBin('devtrust-agent', [
      '--collector',
      collector,
      '--enrollment-key',
      ENROLLMENT_KEY,
      '--once',
      '--identity',
      identityFile(serial),
      '--data-dir',
      tmp(),
    ]);

  it('a device in the inventory: reported, and trusted under the policy', async () => {
    const r = await once('C02ONCE0001');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] as string, /^reported to http:\/\/127\.0\.0\.1:\d+ as endpoint ep_/);
    assert.match(lines[1] as string, /^trusted: this device meets the collector's policy \(access allow\)$/);
    assert.equal(r.stderr, '', 'no log noise around the answer');
  });

  it('a collector URL with a path (a copied console link): reported to the address, with one warning', async () => {
    const r = await once('C02ONCE0001', `${c.url}/console`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0] as string, new RegExp(`^reported to ${c.url} as endpoint ep_`));
    const warnings = r.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    assert.deepEqual(
      warnings.map((w) => w.msg),
      [
        `--collector: "${c.url}/console" is more than a collector's address: the agent uses ${c.url} (only the address counts; give it without a path)`,
      ],
    );
  });

  it('a device no inventory knows: not trusted, and why', async () => {
    const r = await once('C02UNKNOWN99');
    assert.equal(r.code, 0, r.stderr);
    const [reported, verdict, ...reasons] = r.stdout.trim().split('\n');
    assert.match(reported as string, /^reported to /);
    assert.match(verdict as string, /^not trusted under the collector's policy \(access (allow|deny)\):$/);
    assert.ok(reasons.length > 0, r.stdout);
    assert.ok(
      reasons.some((line) => /^ {2}- .*untrusted/.test(line)),
      r.stdout,
    );
  });

  it('the collector down: one clear line and a non-zero exit, without waiting out the retries', async () => {
    const port = await freePort();
    const r = await runBin(
      'devtrust-agent',
      ['--collector', `http://127.0.0.1:${port}`, '--enrollment-key', ENROLLMENT_KEY, '--once', '--data-dir', tmp()],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), /^devtrust-agent: cannot reach the collector at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    assert.equal(r.stdout, '');
  });
});

describe('the headless agent logs its session at info', () => {
  it('enrolling, enrolled, connected, disconnected and reconnected, as JSON lines on stderr', async () => {
    const dataDir = tmp();
    let c = await startTestCollector({ dataDir });
    const port = c.port;
    const lines: Array<Record<string, unknown>> = [];
    const child = spawn(
      process.execPath,
      [
        BINS['devtrust-agent'],
        '--collector',
        c.url,
        '--enrollment-key',
        ENROLLMENT_KEY,
        '--identity',
        identityFile('C02LOG0001'),
        '--data-dir',
        tmp(),
        '--loopback-port',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let buffer = '';
    child.stderr.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let cut: number;
      while ((cut = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ msg: line });
        }
      }
    });
    const seen = (msg: string) => lines.find((line) => line.msg === msg);
    const waitFor = async (msg: string) => {
      for (let i = 0; i < 1200 && !seen(msg); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(seen(msg), `"${msg}" in ${JSON.stringify(lines.map((l) => l.msg))}`);
      return seen(msg) as Record<string, unknown>;
    };
    try {
      const enrolling = await waitFor('not enrolled: enrolling with the enrollment key');
      assert.equal(enrolling.level, 30, 'info');
      const enrolled = await waitFor('enrolled');
      assert.match(String(enrolled.endpointId), /^ep_/);
      const connected = await waitFor('connected to the collector');
      assert.equal(connected.level, 30);
      assert.equal(connected.endpointId, enrolled.endpointId);
      await c.stop({ keepData: true });
      const disconnected = await waitFor('disconnected from the collector; reconnecting');
      assert.equal(disconnected.level, 30);
      assert.equal(typeof disconnected.retryInMs, 'number');
      c = await startTestCollector({ dataDir, env: { DEVTRUST_PORT: String(port) } });
      const reconnected = await waitFor('reconnected to the collector');
      assert.equal(reconnected.level, 30);
      assert.equal(reconnected.endpointId, enrolled.endpointId);
      // Every line is one JSON object (pino), so a log shipper can read them.
      assert.ok(
        lines.every((line) => typeof line.level === 'number'),
        JSON.stringify(lines),
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
      await c.stop();
    }
  });
});

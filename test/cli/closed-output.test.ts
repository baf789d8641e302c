import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BINS } from '../support/bin.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';

/**
 * Runs a binary whose stdout goes to a pipe the reader closes before anything is written (as
 * `| head -1` does once it has its line): the process must end quietly, not with an EPIPE stack.
 */
function runIntoClosedReader(
  bin: keyof typeof BINS,
  args: string[],
  closed: 'stdout' | 'stderr' = 'stdout',
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BINS[bin], ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    // The reader goes away at once: every write the binary makes there meets a closed pipe.
    child[closed].destroy();
    // With stderr closed, what the process says on it is lost: its crash shows in stdout's place.
    let stderr = '';
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const quiet = (r: { code: number | null; stderr: string }, what: string): void => {
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at .*\.js:\d+/, `${what}: ${r.stderr}`);
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
};

describe('a closed stdout (`| head -1`) ends every binary quietly', () => {
  for (const bin of Object.keys(BINS) as (keyof typeof BINS)[]) {
    it(`${bin} --help`, async () => quiet(await runIntoClosedReader(bin, ['--help']), bin));
  }
  it('a closed stderr (`2>&1 | head -1`) loses the message, not the exit code', async () => {
    // No command: the usage goes to stderr and the exit code is 2.
    const r = await runIntoClosedReader('devtrust-installers', [], 'stderr');
    assert.equal(r.code, 2, r.stderr);
    const ctl = await runIntoClosedReader('devtrustctl', ['no-such-command'], 'stderr');
    assert.equal(ctl.code, 2, ctl.stderr);
    const agent = await runIntoClosedReader('devtrust-agent', ['--collector', 'ftp://x', '--once'], 'stderr');
    assert.equal(agent.code, 2, agent.stderr);
  });

  it('a serving collector whose stdout (its log) breaks ends with 1, for its unit to restart it, without a stack', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-closed-collector-'));
    try {
      const r = await runIntoClosedReader('devtrust-collector', [], 'stdout', { DEVTRUST_DATA_DIR: dir, DEVTRUST_PORT: '0' });
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at .*\.js:\d+/, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('devtrust-agent doctor', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-closed-'));
    try {
      quiet(await runIntoClosedReader('devtrust-agent', ['doctor', '--data-dir', dir]), 'doctor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('devtrust-agent --once | head -1', () => {
  let c: TestCollector;
  const dirs: string[] = [];
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    await c.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('still reports, and ends quietly with exit 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-closed-once-'));
    dirs.push(dir);
    const identity = path.join(dir, 'identity.json');
    const serialNumber = 'C02CLOSEDPIPE1';
    writeFileSync(identity, JSON.stringify({ platform: 'macos', serialNumber, hostname: 'closed-pipe', macAddresses: [] }));
    const r = await runIntoClosedReader('devtrust-agent', [
      '--collector',
      c.url,
      '--enrollment-key',
      ENROLLMENT_KEY,
      '--once',
      '--identity',
      identity,
      '--data-dir',
      path.join(dir, 'data'),
    ]);
    quiet(r, '--once');
    const listed = await c.admin('GET', `/admin/v1/endpoints?q=${serialNumber}`);
    assert.equal((listed.body.endpoints as unknown[]).length, 1, JSON.stringify(listed.body));
  });
});

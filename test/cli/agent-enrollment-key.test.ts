import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runBin } from '../support/bin.js';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';

// The key on the command line shows in `ps` to every local user: a file or the environment does not.
describe('devtrust-agent takes the enrollment key from a file or the environment', () => {
  let c: TestCollector;
  const dirs: string[] = [];
  const tmp = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-agent-key-'));
    dirs.push(dir);
    return dir;
  };
  const keyFile = (content: string, mode = 0o600): string => {
    const file = path.join(tmp(), 'enrollment.key');
    writeFileSync(file, content);
    chmodSync(file, mode);
    return file;
  };
  /** `devtrust-agent --once` with a distinct identity; answers the run and the endpoint the collector holds. */
  async function enroll(name: string, args: string[], env: Record<string, string> = {}) {
    const identity = path.join(tmp(), 'identity.json');
    writeFileSync(identity, JSON.stringify({ platform: 'linux', hostname: name, macAddresses: [] }));
    const run = await runBin('devtrust-agent', ['--collector', c.url, '--once', '--identity', identity, '--data-dir', tmp(), ...args], {
      env: { DEVTRUST_AGENT_LOG_LEVEL: 'warn', ...env },
    });
    const endpoints = (await c.admin('GET', `/admin/v1/endpoints?q=${name}`)).body.endpoints as unknown[];
    return { run, endpoints };
  }
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('--enrollment-key-file FILE (a trailing newline is fine)', async () => {
    const { run, endpoints } = await enroll('flagfile-host', ['--enrollment-key-file', keyFile(`${ENROLLMENT_KEY}\n`)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(endpoints.length, 1);
    assert.equal(run.stderr, '');
  });

  it('DEVTRUST_AGENT_ENROLLMENT_KEY_FILE', async () => {
    const { run, endpoints } = await enroll('envfile-host', [], { DEVTRUST_AGENT_ENROLLMENT_KEY_FILE: keyFile(ENROLLMENT_KEY) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(endpoints.length, 1);
  });

  it('DEVTRUST_AGENT_ENROLLMENT_KEY', async () => {
    const { run, endpoints } = await enroll('envkey-host', [], { DEVTRUST_AGENT_ENROLLMENT_KEY: ENROLLMENT_KEY });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(endpoints.length, 1);
  });

  it('a key file others can read still works, with a warning', async () => {
    const { run } = await enroll('loosefile-host', ['--enrollment-key-file', keyFile(ENROLLMENT_KEY, 0o644)]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /is readable by other users; chmod 600 it/);
  });

  it('a missing or empty key file, or a key given twice, is one line and exit 2, and enrolls nothing', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['--enrollment-key-file', '/nonexistent/enrollment.key'],
        {},
        /^devtrust-agent: --enrollment-key-file: cannot read \/nonexistent\/enrollment\.key \(ENOENT\)$/,
      ],
      [['--enrollment-key-file', keyFile('\n')], {}, /^devtrust-agent: --enrollment-key-file: .* is empty$/],
      [
        ['--enrollment-key', ENROLLMENT_KEY, '--enrollment-key-file', keyFile(ENROLLMENT_KEY)],
        {},
        /^devtrust-agent: --enrollment-key-file: give either --enrollment-key or --enrollment-key-file, not both$/,
      ],
      [
        [],
        { DEVTRUST_AGENT_ENROLLMENT_KEY: ENROLLMENT_KEY, DEVTRUST_AGENT_ENROLLMENT_KEY_FILE: keyFile(ENROLLMENT_KEY) },
        /^devtrust-agent: DEVTRUST_AGENT_ENROLLMENT_KEY_FILE: give either DEVTRUST_AGENT_ENROLLMENT_KEY or DEVTRUST_AGENT_ENROLLMENT_KEY_FILE, not both$/,
      ],
    ];
    for (const [i, [args, env, message]] of cases.entries()) {
      const { run, endpoints } = await enroll(`bad-key-${i}`, args, env);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr.trimEnd(), message);
      assert.equal(endpoints.length, 0);
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AgentConfigError, loadAgentConfig } from '@devtrust/agent/config/config';
import { macosManagedReader } from '@devtrust/agent/config/managed/macos';
import { windowsManagedReader } from '@devtrust/agent/config/managed/windows';
import type { ExecResult } from '@devtrust/agent/platform/exec';
import { runBin } from '../support/bin.js';

/**
 * The agent and the installers took a collector URL that held secrets and echoed them: an
 * unparseable one whole in "is not a URL" (`"https://admin:s3cret@host:99999/?token=…" is not a
 * URL`), an earlier URL with a query whole in "is not a collector's address", and a collector
 * URL with a query was used as its origin with a warning that repeated the query (agent log,
 * doctor) or the installers' warning did (`--collector https://host/?token=… is more than…`).
 * Now a user name, password, query or fragment is refused, and every refusal shows the URL
 * redacted: through the agent's command line, doctor, its environment, a managed profile or
 * policy, and the installers' payload generator (which then writes nothing).
 */
const SECRETS = ['admin-user', 's3cret-pass', 't0ken-abc', 'frag-xyz'];
const WITH_ALL = 'https://admin-user:s3cret-pass@trust.example.com/?token=t0ken-abc#frag-xyz';
const cases: Array<[string, RegExp]> = [
  [WITH_ALL, /must not hold a user name or password \(https:\/\/\*\*\*@trust\.example\.com\/…\): the agent signs in with its device key/],
  ['https://trust.example.com/console/?token=t0ken-abc', /must not hold a query or fragment \(https:\/\/trust\.example\.com\/console\/…\)/],
  ['https://trust.example.com/#frag-xyz', /must not hold a query or fragment \(https:\/\/trust\.example\.com\/…\)/],
  // Does not parse (port out of range): described redacted, never whole.
  [
    'https://admin-user:s3cret-pass@trust.example.com:99999/?token=t0ken-abc',
    /"https:\/\/\*\*\*@trust\.example\.com:99999\/…" is not a URL/,
  ],
  ['admin-user:s3cret-pass@trust.example.com', /must be an http\(s\) URL/],
];

function assertNoSecret(text: string, what: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${what} shows ${secret}: ${text}`);
}

describe('a collector URL holding secrets is refused by the agent and the installers, never repeated', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'devtrust-collector-url-secrets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('devtrust-agent --collector, and doctor --collector: one line, exit 2', async () => {
    for (const [url, refusal] of cases) {
      for (const args of [
        ['--collector', url, '--data-dir', path.join(dir, 'agent'), '--once'],
        ['doctor', '--collector', url, '--data-dir', path.join(dir, 'agent')],
      ]) {
        const r = await runBin('devtrust-agent', args);
        const what = `${args[0]} ${url}`;
        assert.equal(r.code, 2, `${what}: ${r.stderr}`);
        assertNoSecret(r.stdout + r.stderr, what);
        assert.match(r.stderr, refusal, what);
        assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: ${r.stderr}`);
      }
    }
  });

  it('devtrust-agent --previous-collector-url and DEVTRUST_AGENT_COLLECTOR_URL', async () => {
    for (const [url, refusal] of cases) {
      const earlier = await runBin('devtrust-agent', [
        '--collector',
        'https://trust.example.com',
        '--previous-collector-url',
        url,
        '--data-dir',
        path.join(dir, 'agent'),
        '--once',
      ]);
      assert.equal(earlier.code, 2, earlier.stderr);
      assertNoSecret(earlier.stdout + earlier.stderr, `--previous-collector-url ${url}`);
      assert.match(earlier.stderr, refusal);
      const env = await runBin('devtrust-agent', ['--data-dir', path.join(dir, 'agent'), '--once'], {
        env: { DEVTRUST_AGENT_COLLECTOR_URL: url },
      });
      assert.notEqual(env.code, 0, env.stderr);
      assertNoSecret(env.stdout + env.stderr, `DEVTRUST_AGENT_COLLECTOR_URL ${url}`);
      assert.match(env.stderr, /DEVTRUST_AGENT_COLLECTOR_URL: /);
    }
  });

  it('a managed collector URL (configuration profile, ADMX policy): refused; a managed earlier URL: dropped with a warning, both redacted', async () => {
    const answering = (stdout: string) => async (): Promise<ExecResult> => ({ ok: true, code: 0, stdout, stderr: '' });
    const plist = path.join(dir, 'com.devtrust.agent.plist');
    writeFileSync(plist, 'read through plutil');
    for (const [url, refusal] of cases) {
      for (const reader of [
        macosManagedReader(answering(JSON.stringify({ collectorUrl: url, enrollmentKey: 'ek_7Hq2' })), plist),
        windowsManagedReader(answering(`HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\DevTrust\\Agent\n    collectorUrl    REG_SZ    ${url}\n`)),
      ]) {
        const error = await loadAgentConfig({ argv: [], env: {}, managedReader: reader }).then(
          () => assert.fail(`${url} accepted`),
          (e: unknown) => e,
        );
        assert.ok(error instanceof AgentConfigError, String(error));
        assertNoSecret(error.message, `managed ${url}`);
        assert.match(error.message, /^managed collectorUrl: /);
        assert.match(error.message, refusal);
      }
      const earlier = await loadAgentConfig({
        argv: [],
        env: {},
        managedReader: macosManagedReader(
          answering(JSON.stringify({ collectorUrl: 'https://trust.example.com', previousCollectorUrls: [url] })),
          plist,
        ),
      });
      assert.deepEqual(earlier.previousCollectorUrls, []);
      assert.equal(earlier.warnings.length, 1, String(earlier.warnings));
      assertNoSecret(earlier.warnings[0]!, `managed earlier ${url}`);
      assert.match(earlier.warnings[0]!, refusal);
    }
  });

  it('devtrust-installers payloads: refused, nothing written, for --collector and --previous-collector-url', async () => {
    for (const [url, refusal] of cases) {
      for (const flags of [
        ['--collector', url],
        ['--collector', 'https://trust.example.com', '--previous-collector-url', url],
      ]) {
        const out = path.join(dir, 'payloads');
        const r = await runBin('devtrust-installers', ['payloads', ...flags, '--enrollment-key', 'ek_7Hq2', '--out', out]);
        const what = `${flags.join(' ')}`;
        assert.equal(r.code, 2, `${what}: ${r.stderr}`);
        assertNoSecret(r.stdout + r.stderr, what);
        assert.match(r.stderr, refusal, what);
        assert.ok(!existsSync(out) || readdirSync(out, { recursive: true }).length === 0, `${what}: files written`);
      }
    }
    // A path whose "%3F" reads as a query once decoded: accepted as its address, the warning hides it.
    const encoded = await runBin('devtrust-installers', [
      'payloads',
      '--collector',
      'https://trust.example.com/%3Ftoken=t0ken-abc',
      '--enrollment-key',
      'ek_7Hq2',
      '--out',
      path.join(dir, 'encoded'),
    ]);
    assert.equal(encoded.code, 0, encoded.stderr);
    assertNoSecret(encoded.stdout + encoded.stderr, 'an encoded query');
    assert.match(encoded.stderr, /warning: --collector https:\/\/trust\.example\.com\/… is more than a collector's address/);
    const agent = await loadAgentConfig({ argv: ['--collector', 'https://trust.example.com/%3Ftoken=t0ken-abc'], env: {} });
    assert.equal(agent.collectorUrl, 'https://trust.example.com');
    assertNoSecret(agent.warnings.join('\n'), 'the agent, an encoded query');
    // The address alone still makes payloads, and none of them holds more than it.
    const out = path.join(dir, 'good');
    const r = await runBin('devtrust-installers', [
      'payloads',
      '--collector',
      'https://trust.example.com/console/',
      '--enrollment-key',
      'ek_7Hq2',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const file of readdirSync(out, { recursive: true, withFileTypes: true }))
      if (file.isFile()) assert.ok(!readFileSync(path.join(file.parentPath, file.name), 'utf8').includes('/console'), file.name);
  });
});

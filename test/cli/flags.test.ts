import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { BINS, ROOT, runBin } from '../support/bin.js';
import { freePort, portInUse } from './spawned.js';

const version = (workspace: string): string =>
  (JSON.parse(readFileSync(path.join(ROOT, workspace, 'package.json'), 'utf8')) as { version: string }).version;

const BINARIES: { bin: keyof typeof BINS; workspace: string; usage: RegExp }[] = [
  { bin: 'devtrust-collector', workspace: 'collector', usage: /DEVTRUST_DATA_DIR/ },
  { bin: 'devtrustctl', workspace: 'collector', usage: /integration find ID IDENTIFIER/ },
  { bin: 'devtrust-agent', workspace: 'agent', usage: /--enrollment-key-file FILE/ },
  { bin: 'devtrust-installers', workspace: 'installers', usage: /devtrust-installers payloads --collector URL/ },
];

/** One line on stderr, naming the flag, exit 2, nothing on stdout. */
function assertRefused(r: { code: number | null; stdout: string; stderr: string }, bin: string, flag: string): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.startsWith(`${bin}`), r.stderr);
  assert.ok(lines[0]!.includes(flag), `"${lines[0]}" does not name ${flag}`);
}

describe('every binary: unknown flags, --help, --version', () => {
  for (const { bin, workspace, usage } of BINARIES) {
    it(`${bin} refuses an unknown flag, answers --help and --version`, async () => {
      assertRefused(await runBin(bin, ['--frobnicate']), bin, '--frobnicate');
      assertRefused(await runBin(bin, ['--frobnicate=1']), bin, '--frobnicate');
      const help = await runBin(bin, ['--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, usage);
      assert.match(help.stdout, /--version/);
      const shown = await runBin(bin, ['--version']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stdout, `${bin} ${version(workspace)}\n`);
    });
  }

  it('devtrust-collector --version and --help start no server and write no data', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-flags-')), 'data');
    const port = await freePort();
    try {
      for (const flag of ['--version', '--help']) {
        const r = await runBin('devtrust-collector', [flag], { env: { DEVTRUST_DATA_DIR: dataDir, DEVTRUST_PORT: String(port) } });
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout, /listening/);
        assert.equal(existsSync(dataDir), false, `${flag} created the data dir`);
        assert.equal(await portInUse(port), false);
      }
      // A flag it does not know stops it before it opens anything, too.
      assertRefused(
        await runBin('devtrust-collector', ['--port', '9999'], { env: { DEVTRUST_DATA_DIR: dataDir } }),
        'devtrust-collector',
        '--port',
      );
      assert.equal(existsSync(dataDir), false);
    } finally {
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });

  it('devtrustctl refuses a flag the command does not take, and explains each command with --help', async () => {
    assertRefused(await runBin('devtrustctl', ['endpoints', '--kind', 'csv']), 'devtrustctl', '--kind');
    assertRefused(await runBin('devtrustctl', ['integrations', '--frobnicate']), 'devtrustctl', '--frobnicate');
    assertRefused(await runBin('devtrustctl', ['integration', 'create', '--name']), 'devtrustctl', '--name');
    const extra = await runBin('devtrustctl', ['endpoint', 'show', 'ep_1', 'ep_2']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /^devtrustctl: unexpected argument "ep_2" for "endpoint show"/);
    const unknown = await runBin('devtrustctl', ['endpoint', 'frob']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'devtrustctl: unknown command "frob" for "endpoint" (see devtrustctl endpoint --help)\n');

    const create = await runBin('devtrustctl', ['integration', 'create', '--help']);
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /^devtrustctl integration create --kind KIND --name NAME --platforms /);
    const find = await runBin('devtrustctl', ['integration', 'find', '--help']);
    assert.match(find.stdout, /exit 1 when it is not there/);
    const family = await runBin('devtrustctl', ['integration', '--help']);
    assert.equal(family.code, 0);
    assert.match(family.stdout, /devtrustctl integration upload ID FILE\.csv \[--allow-empty\]\n/);
    assert.doesNotMatch(family.stdout, /devtrustctl endpoints/);
  });

  it('devtrust-agent and devtrust-installers subcommands refuse unknown flags too', async () => {
    assertRefused(await runBin('devtrust-agent', ['loopback-cert', '--collector', 'x']), 'devtrust-agent', '--collector');
    assertRefused(await runBin('devtrust-agent', ['--collector', '--once']), 'devtrust-agent', '--collector');
    // An earlier collector URL is checked like --collector: refused at start, in one line, exit 2.
    const env = { DEVTRUST_AGENT_COLLECTOR_URL: '', DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: '' };
    const moved = await runBin(
      'devtrust-agent',
      ['--collector', 'https://trust.example.com', '--previous-collector-url', 'https://old.example.com/console', '--once'],
      { env },
    );
    assert.equal(moved.code, 2);
    assert.equal(
      moved.stderr,
      'devtrust-agent: --previous-collector-url: "https://old.example.com/console" is not a collector\'s address: give it as https://old.example.com, without a path\n',
    );
    assertRefused(
      await runBin('devtrust-installers', ['payloads', '--colector', 'https://x.example.com']),
      'devtrust-installers',
      '--colector',
    );
    assertRefused(await runBin('devtrust-installers', ['msi', '--agentdir', 'x']), 'devtrust-installers', '--agentdir');
    const help = await runBin('devtrust-installers', ['msi', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /devtrust-installers msi --agent-dir DIR --out FILE\.msi/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { CommandLineError } from '@devtrust/shared/cli/command-line';
import { AgentConfigError, loadAgentConfig } from '@devtrust/agent/config/config';
import { macosManagedReader } from '@devtrust/agent/config/managed/macos';
import { sanitizeManaged } from '@devtrust/agent/config/managed/sanitize';
import type { ManagedSettings } from '@devtrust/agent/config/managed/types';
import { windowsManagedReader } from '@devtrust/agent/config/managed/windows';
import type { ExecResult } from '@devtrust/agent/platform/exec';

const base = ['--collector', 'https://trust.example.com'];
const managedReader = (settings: ManagedSettings) => async () => ({ settings, source: 'fake MDM' });
const fixture = (name: string) => readFileSync(new URL(`./managed/fixtures/${name}`, import.meta.url), 'utf8');
const answering = (stdout: string) => async (): Promise<ExecResult> => ({ ok: true, code: 0, stdout, stderr: '' });

function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-prev-')), 'agent.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

async function refusal(options: Parameters<typeof loadAgentConfig>[0]): Promise<string> {
  try {
    await loadAgentConfig(options);
  } catch (error) {
    if (error instanceof AgentConfigError || error instanceof CommandLineError) return error.message;
    throw error;
  }
  assert.fail('the configuration was accepted');
}

describe('previousCollectorUrls: where it comes from', () => {
  it('is empty unless set', async () => {
    assert.deepEqual((await loadAgentConfig({ argv: base, env: {} })).previousCollectorUrls, []);
  });

  it('--previous-collector-url may be repeated; each entry is kept as its origin, in order, once', async () => {
    const config = await loadAgentConfig({
      argv: [
        ...base,
        '--previous-collector-url',
        'http://trust.example.com:8700',
        '--previous-collector-url=HTTPS://Old.Example.com:443/',
        '--previous-collector-url',
        'https://old.example.com',
      ],
      env: {},
    });
    assert.deepEqual(config.previousCollectorUrls, ['http://trust.example.com:8700', 'https://old.example.com']);
  });

  it('DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS holds a list split at commas and blanks; the config file an array', async () => {
    const env = { DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: ' http://a.example.com:8700, https://b.example.com\nhttp://c.example.com ' };
    assert.deepEqual((await loadAgentConfig({ argv: base, env })).previousCollectorUrls, [
      'http://a.example.com:8700',
      'https://b.example.com',
      'http://c.example.com',
    ]);
    const file = configFile({ previousCollectorUrls: ['http://file.example.com:8700'] });
    assert.deepEqual((await loadAgentConfig({ argv: [...base, '--config', file], env: {} })).previousCollectorUrls, [
      'http://file.example.com:8700',
    ]);
  });

  it('the layer that wins gives the whole list: file < environment < flags < managed', async () => {
    const file = configFile({ previousCollectorUrls: ['http://file.example.com'] });
    const env = { DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: 'http://env.example.com' };
    const flags = ['--previous-collector-url', 'http://flag.example.com'];
    const load = (argv: string[], environment: NodeJS.ProcessEnv, managed: ManagedSettings = {}) =>
      loadAgentConfig({ argv: [...base, '--config', file, ...argv], env: environment, managedReader: managedReader(managed) });
    assert.deepEqual((await load([], {})).previousCollectorUrls, ['http://file.example.com']);
    assert.deepEqual((await load([], env)).previousCollectorUrls, ['http://env.example.com']);
    assert.deepEqual((await load(flags, env)).previousCollectorUrls, ['http://flag.example.com']);
    const managed = await load(flags, env, {
      collectorUrl: 'https://trust.example.com',
      previousCollectorUrls: ['http://managed.example.com'],
    });
    assert.deepEqual(managed.previousCollectorUrls, ['http://managed.example.com']);
    assert.deepEqual(managed.managedKeys, ['collectorUrl', 'previousCollectorUrls']);
  });

  it('a managed list with a collector URL the user set is ignored, with a warning: the move would go to a collector the MDM did not choose', async () => {
    const file = configFile({ collectorUrl: 'https://attacker.example.com' });
    const config = await loadAgentConfig({
      argv: ['--config', file],
      env: {},
      managedReader: managedReader({ previousCollectorUrls: ['https://trust.example.com'] }),
    });
    assert.equal(config.collectorUrl, 'https://attacker.example.com');
    assert.deepEqual(config.previousCollectorUrls, []);
    assert.deepEqual(config.warnings, [
      'managed previousCollectorUrls ignored: the collector URL is not a managed setting, so the enrollment would move to a collector the managed settings did not choose',
    ]);
  });

  it("with a managed collector URL, only managed settings name its earlier URLs: a user's list is ignored, with a warning", async () => {
    const config = await loadAgentConfig({
      argv: ['--previous-collector-url', 'http://user.example.com'],
      env: {},
      managedReader: managedReader({ collectorUrl: 'https://attacker.example.com' }),
    });
    assert.deepEqual(config.previousCollectorUrls, []);
    assert.deepEqual(config.warnings, [
      '--previous-collector-url ignored: the collector URL is a managed setting, so only managed settings can name its earlier URLs',
    ]);
    // Not even a malformed user entry stops a managed agent from starting.
    const malformed = await loadAgentConfig({
      argv: [],
      env: { DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: 'ftp://x' },
      managedReader: managedReader({ collectorUrl: 'https://trust.example.com' }),
    });
    assert.deepEqual(malformed.previousCollectorUrls, []);
  });

  it('a configuration profile (plist array) and the ADMX policy (REG_MULTI_SZ) carry it, normalised like the collector URL', async () => {
    const expected = ['http://trust-old.example.com:8700', 'https://trust-old.example.com'];
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-prev-plist-'));
    const plist = path.join(dir, 'com.devtrust.agent.plist');
    writeFileSync(plist, 'read through plutil');
    for (const reader of [
      macosManagedReader(answering(fixture('plutil-json-agent-moved.txt')), plist),
      windowsManagedReader(answering(fixture('reg-query-agent-moved.txt'))),
    ]) {
      const config = await loadAgentConfig({ argv: [], env: {}, managedReader: reader });
      assert.equal(config.collectorUrl, 'https://trust.example.com');
      assert.deepEqual(config.previousCollectorUrls, expected);
    }
  });

  it('managed values: an array, or one string split as the variable is; other types are dropped', () => {
    assert.deepEqual(sanitizeManaged({ previousCollectorUrls: [' http://a.example.com ', ''] }).previousCollectorUrls, [
      'http://a.example.com',
    ]);
    assert.deepEqual(sanitizeManaged({ previousCollectorUrls: 'http://a.example.com,http://b.example.com' }).previousCollectorUrls, [
      'http://a.example.com',
      'http://b.example.com',
    ]);
    assert.equal(sanitizeManaged({ previousCollectorUrls: [] }).previousCollectorUrls, undefined);
    assert.equal(sanitizeManaged({ previousCollectorUrls: 8700 }).previousCollectorUrls, undefined);
  });
});

describe('previousCollectorUrls: a malformed entry is refused at start-up, naming where it came from (a managed one is dropped, with a warning)', () => {
  const cases: Array<[string, string]> = [
    ['ftp://old.example.com', 'must be an http(s) URL'],
    ['old.example.com', '"old.example.com" is not a URL'],
    ['https://admin:secret@old.example.com', 'must not hold a user name or password'],
    [
      'https://old.example.com/console/',
      '"https://old.example.com/console/" is not a collector\'s address: give it as https://old.example.com, without a path',
    ],
    ['https://old.example.com/?next=1', 'must not hold a query or fragment (https://old.example.com/…)'],
    ['https://old.example.com\thttps://other.example.com', 'must be one URL, without control characters or line breaks'],
    // A hidden character is refused, not dropped (IDNA would drop it from the host name): as for the collector URL itself.
    ['https://old\u200b.example.com', 'must be one URL, without control characters or line breaks'],
    // One host to the URL parser, two entries once the list is written as text (the MSI property, the registry).
    ['http://a.example.com,b.example.com', 'is more than one address: give each earlier collector URL as an entry of its own'],
  ];

  for (const [entry, problem] of cases) {
    it(`${JSON.stringify(entry)}: ${problem}`, async () => {
      assert.ok((await refusal({ argv: [...base, '--previous-collector-url', entry], env: {} })).startsWith('--previous-collector-url: '));
      assert.ok((await refusal({ argv: [...base, '--previous-collector-url', entry], env: {} })).includes(problem));
      // Managed: one mistyped line of a policy must not stop every agent of the fleet (the tray
      // would show "Not configured", no report, no sign-in). The entry is dropped, with a
      // warning, the others kept; an agent enrolled under the mistyped URL enrolls again.
      const managed = await loadAgentConfig({
        argv: base,
        env: {},
        managedReader: managedReader({
          collectorUrl: 'https://trust.example.com',
          previousCollectorUrls: [entry, 'http://trust.example.com:8700'],
        }),
      });
      assert.equal(managed.collectorUrl, 'https://trust.example.com');
      assert.deepEqual(managed.previousCollectorUrls, ['http://trust.example.com:8700']);
      assert.equal(managed.warnings.length, 1);
      assert.ok(managed.warnings[0]?.startsWith('managed previousCollectorUrls: '), managed.warnings[0]);
      assert.ok(managed.warnings[0]?.includes(problem), managed.warnings[0]);
      assert.ok(managed.warnings[0]?.endsWith('; entry ignored'), managed.warnings[0]);
    });
  }

  it('an empty flag, a file value that is not a list, a bad entry in the variable', async () => {
    assert.equal(await refusal({ argv: [...base, '--previous-collector-url', ''], env: {} }), '--previous-collector-url needs a value');
    const file = configFile({ previousCollectorUrls: 'http://a.example.com' });
    assert.equal(await refusal({ argv: [...base, '--config', file], env: {} }), `previousCollectorUrls in ${file}: must be a list of URLs`);
    assert.equal(
      await refusal({ argv: base, env: { DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: 'http://a.example.com ws://b.example.com' } }),
      'DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: must be an http(s) URL',
    );
  });

  it('blanks around an entry or the collector URL are not part of it, ordinary or not', async () => {
    const config = await loadAgentConfig({
      argv: ['--collector', ' https://trust.example.com/ ', '--previous-collector-url', '\u00a0http://old.example.com:8700/\u00a0'],
      env: {},
    });
    assert.equal(config.collectorUrl, 'https://trust.example.com');
    assert.deepEqual(config.previousCollectorUrls, ['http://old.example.com:8700']);
  });

  it('the collector URL itself: no credentials or query (they would be logged and stored); a path is dropped with a warning', async () => {
    assert.equal(
      await refusal({ argv: ['--collector', 'https://admin:secret@trust.example.com'], env: {} }),
      "--collector: must not hold a user name or password (https://***@trust.example.com): the agent signs in with its device key and enrollment key; give the collector's URL without them",
    );
    // The agent only ever uses the origin: it says so, and uses (and prints) the origin.
    const withPath = await loadAgentConfig({ argv: ['--collector', 'https://trust.example.com/console/'], env: {} });
    assert.equal(withPath.collectorUrl, 'https://trust.example.com');
    assert.deepEqual(withPath.warnings, [
      `--collector: "https://trust.example.com/console/" is more than a collector's address: the agent uses https://trust.example.com (only the address counts; give it without a path)`,
    ]);
    const managed = await loadAgentConfig({
      argv: [],
      env: {},
      managedReader: managedReader({ collectorUrl: 'https://trust.example.com/devtrust' }),
    });
    assert.equal(managed.collectorUrl, 'https://trust.example.com');
    assert.match(managed.warnings[0] ?? '', /^managed collectorUrl: "https:\/\/trust\.example\.com\/devtrust" is more than/);
    // A trailing slash alone is no path: kept as written, without it, and without a warning.
    const slash = await loadAgentConfig({ argv: ['--collector', 'https://Trust.example.com:443//'], env: {} });
    assert.equal(slash.collectorUrl, 'https://Trust.example.com:443');
    assert.deepEqual(slash.warnings, []);
    // Stored as written and shown in the tray, doctor and every log line: nothing that changes how it reads.
    for (const hidden of ['\u202e', '\u009b31m', '\u0085', '\u200b', '\u2028'])
      assert.equal(
        await refusal({ argv: ['--collector', `https://trust.example.com/devtrust${hidden}`], env: {} }),
        '--collector: must be one URL, without control characters or line breaks',
        JSON.stringify(hidden),
      );
  });
});

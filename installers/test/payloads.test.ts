import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { parseXml, plistValue, walk, type Plist } from './support/xml.js';
import { runCli } from './support/run-cli.js';

const KEY = 'ek_live_7Hq2&<b>"quoted"\'s';
const COLLECTOR = 'https://trust.example.com:8443/';

describe('devtrust-installers payloads', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'devtrust-payloads-'));
  const read = (relative: string) => readFileSync(path.join(out, relative), 'utf8');
  let profile: Record<string, Plist>;

  beforeAll(() => {
    const result = runCli([
      'payloads',
      '--collector',
      COLLECTOR,
      '--enrollment-key',
      KEY,
      '--out',
      out,
      '--support-url',
      'https://help.example.com/devtrust',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 6);
    assert.equal(result.stderr, '', 'no warning for an https:// collector');
    profile = plistValue(parseXml(read('macos/devtrust.mobileconfig'))) as Record<string, Plist>;
  });

  it('writes every payload, owner-only', () => {
    for (const file of [
      'macos/devtrust.mobileconfig',
      'windows/DevTrust.admx',
      'windows/en-US/DevTrust.adml',
      'windows/install.cmd',
      'intune/detect.ps1',
      'intune/trust-loopback.ps1',
    ]) {
      assert.equal(statSync(path.join(out, file)).mode & 0o777, 0o600, file);
    }
  });

  it('the profile: a System-scope Configuration with unique PayloadUUIDs', () => {
    assert.equal(profile.PayloadType, 'Configuration');
    assert.equal(profile.PayloadScope, 'System');
    assert.equal(profile.PayloadIdentifier, 'com.devtrust.agent.profile');
    const payloads = profile.PayloadContent as Array<Record<string, Plist>>;
    const uuids = [profile.PayloadUUID, ...payloads.map((p) => p.PayloadUUID)];
    assert.equal(new Set(uuids).size, uuids.length);
    for (const uuid of uuids) assert.match(String(uuid), /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    const identifiers = payloads.map((p) => p.PayloadIdentifier);
    assert.equal(new Set(identifiers).size, identifiers.length);
  });

  it('the agent payload: managed preferences for com.devtrust.agent, the key XML-escaped and intact', () => {
    const payloads = profile.PayloadContent as Array<Record<string, Plist>>;
    const agent = payloads.find((p) => p.PayloadIdentifier === 'com.devtrust.agent.profile.com.devtrust.agent')!;
    assert.equal(agent.PayloadType, 'com.apple.ManagedClient.preferences');
    const forced = (agent.PayloadContent as Record<string, Record<string, Plist[]>>)['com.devtrust.agent']!.Forced![0] as Record<
      string,
      Plist
    >;
    assert.deepEqual(forced.mcx_preference_settings, {
      collectorUrl: 'https://trust.example.com:8443',
      enrollmentKey: KEY,
      supportUrl: 'https://help.example.com/devtrust',
    });
    const raw = read('macos/devtrust.mobileconfig');
    assert.ok(raw.includes('ek_live_7Hq2&amp;&lt;b&gt;&quot;quoted&quot;&apos;s'));
  });

  it('the browser payloads let only the collector origin reach the loopback door', () => {
    const payloads = profile.PayloadContent as Array<Record<string, Plist>>;
    for (const domain of ['com.google.Chrome', 'com.microsoft.Edge']) {
      const payload = payloads.find((p) => p.PayloadIdentifier === `com.devtrust.agent.profile.${domain}`)!;
      const settings = ((payload.PayloadContent as Record<string, Record<string, Plist[]>>)[domain]!.Forced![0] as Record<string, Plist>)
        .mcx_preference_settings;
      assert.deepEqual(settings, {
        LocalNetworkAccessAllowedForUrls: ['https://trust.example.com:8443'],
        LoopbackNetworkAllowedForUrls: ['https://trust.example.com:8443'],
      });
    }
  });

  it('an independent plist parser (Python plistlib) reads the profile the same way, when python3 is here', (t) => {
    const python = spawnSync(
      'python3',
      [
        '-c',
        'import plistlib,sys,json; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))',
        path.join(out, 'macos/devtrust.mobileconfig'),
      ],
      { encoding: 'utf8' },
    );
    if (python.error || python.status !== 0) return t.skip(`python3 plistlib unavailable: ${python.error?.message ?? python.stderr}`);
    assert.deepEqual(JSON.parse(python.stdout), profile);
  });

  it('ADMX and ADML are well-formed and consistent', () => {
    const admx = parseXml(read('windows/DevTrust.admx'));
    const adml = parseXml(read('windows/en-US/DevTrust.adml'));
    const strings = new Set([...walk(adml)].filter((n) => n.name === 'string').map((n) => n.attributes.id));
    const presentations = new Map([...walk(adml)].filter((n) => n.name === 'presentation').map((n) => [n.attributes.id, n]));
    const admxText = read('windows/DevTrust.admx');
    for (const [, id] of admxText.matchAll(/\$\(string\.([^)]+)\)/g)) assert.ok(strings.has(id), `string ${id} is in the ADML`);
    for (const [, id] of admxText.matchAll(/\$\(presentation\.([^)]+)\)/g))
      assert.ok(presentations.has(id), `presentation ${id} is in the ADML`);
    const categories = new Set([...walk(admx)].filter((n) => n.name === 'category').map((n) => n.attributes.name));
    const supported = new Set([...walk(admx)].filter((n) => n.name === 'definition').map((n) => n.attributes.name));
    const policies = [...walk(admx)].filter((n) => n.name === 'policy');
    assert.deepEqual(
      policies.map((p) => p.attributes.name),
      [
        'CollectorUrl',
        'PreviousCollectorUrls',
        'EnrollmentKey',
        'DisallowQuit',
        'SupportUrl',
        'TrustedEndpointsKey',
        'TrustedEndpointIdentifier',
      ],
    );
    const valueNames = new Set<string>();
    for (const policy of policies) {
      assert.equal(policy.attributes.key, 'SOFTWARE\\Policies\\DevTrust\\Agent');
      assert.equal(policy.attributes.class, 'Machine');
      for (const node of walk(policy)) {
        if (node.name === 'parentCategory') assert.ok(categories.has(node.attributes.ref));
        if (node.name === 'supportedOn') assert.ok(supported.has(node.attributes.ref));
        if (node.attributes.valueName) valueNames.add(node.attributes.valueName);
      }
      // Every text box in the policy's presentation points at an element of that policy.
      const presentation = presentations.get(policy.attributes.presentation?.replace(/^\$\(presentation\.|\)$/g, ''));
      const elementIds = new Set([...walk(policy)].filter((n) => n.name === 'text' || n.name === 'multiText').map((n) => n.attributes.id));
      for (const box of presentation ? [...walk(presentation)].filter((n) => n.name === 'textBox' || n.name === 'multiTextBox') : [])
        assert.ok(elementIds.has(box.attributes.refId), box.attributes.refId);
    }
    // The value names are the agent's managed keys, spelled as the registry reader expects.
    assert.deepEqual([...valueNames].sort(), [
      'collectorUrl',
      'disallowQuit',
      'enrollmentKey',
      'previousCollectorUrls',
      'supportUrl',
      'trustedEndpointIdentifier',
      'trustedEndpointsKey',
    ]);
  });

  it('install.cmd: the silent msiexec line, quoted for cmd and msiexec, CRLF', () => {
    const cmd = read('windows/install.cmd');
    assert.ok(cmd.includes('\r\n') && !/[^\r]\n/.test(cmd));
    assert.match(cmd, /^msiexec\.exe \/i "%MSI%" \/qn \/norestart /m);
    assert.ok(cmd.includes('COLLECTORURL="https://trust.example.com:8443"'));
    assert.ok(cmd.includes(`ENROLLMENTKEY="ek_live_7Hq2&<b>""quoted""'s"`));
    assert.match(cmd, /DisableDelayedExpansion/);
  });

  it("detect.ps1: the installed product (uninstall entry and files) and the policy's collector, never the running tray", () => {
    const ps1 = read('intune/detect.ps1');
    assert.ok(ps1.includes("$expectedCollector = 'https://trust.example.com:8443'"));
    assert.ok(ps1.includes('\r\n') && !/[^\r]\n/.test(ps1), 'CRLF');
    // A user who quit the tray has not uninstalled it: no process decides.
    assert.doesNotMatch(ps1, /Get-Process|\$running|explorer/i);
    // The MSI's Apps & features record (ProductName and Manufacturer "DevTrust") and its exe.
    assert.ok(ps1.includes('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'));
    assert.match(ps1, /\$_\.DisplayName -eq 'DevTrust' -and \$_\.Publisher -eq 'DevTrust'/);
    assert.match(ps1, /Test-Path -LiteralPath \$exe/);
    assert.match(ps1, /HKLM:\\SOFTWARE\\Policies\\DevTrust\\Agent/);
    assert.match(ps1, /Write-Output "DevTrust \$\(\$product\.DisplayVersion\) installed/);
    assert.ok(!ps1.includes('__COLLECTOR_URL__'));
  });

  it("trust-loopback.ps1: every user's loopback certificate into the machine's Root store, and the Chrome/Edge policies for the collector only", () => {
    const ps1 = read('intune/trust-loopback.ps1');
    assert.ok(ps1.includes('\r\n') && !/[^\r]\n/.test(ps1), 'CRLF');
    assert.ok(ps1.includes("param([string]$Collector = 'https://trust.example.com:8443')"));
    // Each user profile's certificate, where the tray writes it (Electron userData\loopback).
    assert.ok(ps1.includes('ProfileList'));
    assert.ok(ps1.includes('AppData\\Roaming\\DevTrust\\loopback\\localhost.crt.pem'));
    assert.match(ps1, /certutil\.exe" -addstore -f Root \$pem/);
    assert.match(ps1, /certutil\.exe" -delstore Root \$certName/);
    assert.ok(ps1.includes("$certName = 'DevTrust agent loopback (localhost)'"), 'the name the agent gives its certificate');
    for (const browser of ['HKLM:\\SOFTWARE\\Policies\\Google\\Chrome', 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Edge'])
      assert.ok(ps1.includes(browser), browser);
    for (const policy of ['LocalNetworkAccessAllowedForUrls', 'LoopbackNetworkAllowedForUrls'])
      assert.ok(ps1.includes(`'${policy}'`), policy);
    assert.match(ps1, /GetLeftPart\(\[UriPartial\]::Authority\)/, 'the origin, nothing wider');
  });
});

describe('devtrust-installers warns about a plain-http collector', () => {
  it('writes the payloads, with one warning line on stderr', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'devtrust-http-'));
    const result = runCli(['payloads', '--collector', 'http://trust.lab.example:8080', '--enrollment-key', 'k', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0]!,
      /^devtrust-installers: warning: --collector http:\/\/trust\.lab\.example:8080 is plain http:\/\/: .*unencrypted/,
    );
    assert.ok(readFileSync(path.join(out, 'windows/install.cmd'), 'utf8').includes('COLLECTORURL="http://trust.lab.example:8080"'));
  });
});

describe('devtrust-installers bad arguments: non-zero exit and one clear line', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'devtrust-bad-'));
  const cases: Array<[string, string[], RegExp]> = [
    ['no collector', ['payloads', '--enrollment-key', 'k', '--out', out], /--collector URL is required/],
    ['collector not a URL', ['payloads', '--collector', 'trust.example.com', '--enrollment-key', 'k', '--out', out], /is not a URL/],
    [
      'collector not http(s)',
      ['payloads', '--collector', 'ftp://trust.example.com', '--enrollment-key', 'k', '--out', out],
      /must be an http\(s\) URL/,
    ],
    [
      'empty key',
      ['payloads', '--collector', 'https://t.example.com', '--enrollment-key', '', '--out', out],
      /--enrollment-key must not be empty/,
    ],
    [
      'blank key',
      ['payloads', '--collector', 'https://t.example.com', '--enrollment-key', '   ', '--out', out],
      /--enrollment-key must not be empty/,
    ],
    [
      'key with a line break',
      ['payloads', '--collector', 'https://t.example.com', '--enrollment-key', 'a\nb', '--out', out],
      /control characters/,
    ],
    ['no out', ['payloads', '--collector', 'https://t.example.com', '--enrollment-key', 'k'], /--out DIR is required/],
    ['unknown flag', ['payloads', '--colector', 'https://t.example.com'], /unknown flag --colector/],
    ['unknown command', ['pkg'], /unknown command "pkg"/],
    ['msi without DevTrust.exe', ['msi', '--agent-dir', out, '--out', path.join(out, 'x.msi')], /has no DevTrust\.exe/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const result = runCli(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^devtrust-installers: /);
      assert.match(lines[0]!, message);
    });
  }
});

describe('devtrust-installers payloads --previous-collector-url (moving agents to a new collector URL)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'devtrust-moved-'));
  const read = (relative: string) => readFileSync(path.join(out, relative), 'utf8');

  beforeAll(() => {
    const result = runCli([
      'payloads',
      '--collector',
      COLLECTOR,
      '--enrollment-key',
      'k',
      '--out',
      out,
      '--previous-collector-url',
      'http://Trust.Example.com:8700/',
      '--previous-collector-url=http://trust-old.example.com',
    ]);
    assert.equal(result.code, 0, result.stderr);
  });

  it('the profile lists the earlier URLs (as the agent compares them) beside the new one', () => {
    const profile = plistValue(parseXml(read('macos/devtrust.mobileconfig'))) as Record<string, Plist>;
    const agent = (profile.PayloadContent as Array<Record<string, Plist>>).find(
      (p) => p.PayloadIdentifier === 'com.devtrust.agent.profile.com.devtrust.agent',
    )!;
    const settings = (
      (agent.PayloadContent as Record<string, Record<string, Plist[]>>)['com.devtrust.agent']!.Forced![0] as Record<string, Plist>
    ).mcx_preference_settings as Record<string, Plist>;
    assert.equal(settings.collectorUrl, 'https://trust.example.com:8443');
    assert.deepEqual(settings.previousCollectorUrls, ['http://trust.example.com:8700', 'http://trust-old.example.com']);
  });

  it('install.cmd passes them to the MSI in one property, which the MSI writes beside collectorUrl', () => {
    assert.ok(read('windows/install.cmd').includes('PREVIOUSCOLLECTORURLS="http://trust.example.com:8700 http://trust-old.example.com"'));
  });

  it('warns about, and leaves out, the collector URL itself given as an earlier one (in any spelling)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-moved-same-'));
    const same = new URL(COLLECTOR);
    const result = runCli([
      'payloads',
      '--collector',
      COLLECTOR,
      '--enrollment-key',
      'k',
      '--out',
      dir,
      '--previous-collector-url',
      `${same.protocol.toUpperCase()}//${same.host.toUpperCase()}/`,
      '--previous-collector-url',
      'http://trust.example.com:8700',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr.trim(),
      `devtrust-installers: warning: --previous-collector-url ${same.origin} is the address of --collector itself, not an earlier one: left out (list the URL agents reached the collector by before the move)`,
    );
    const cmd = readFileSync(path.join(dir, 'windows/install.cmd'), 'utf8');
    assert.ok(cmd.includes('PREVIOUSCOLLECTORURLS="http://trust.example.com:8700"'), cmd);
  });

  it('a --collector with a path: the payloads hold its address, as the agent would use it, with a warning', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-collector-path-'));
    const result = runCli(['payloads', '--collector', 'https://trust.example.com/console/', '--enrollment-key', 'k', '--out', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: --collector https:\/\/trust\.example\.com\/console\/ is more than a collector's address/);
    const cmd = readFileSync(path.join(dir, 'windows/install.cmd'), 'utf8');
    assert.ok(cmd.includes('COLLECTORURL="https://trust.example.com"'), cmd);
  });

  it('refuses an entry that is not a collector address, as it refuses a bad --collector', () => {
    const cases: Array<[string, RegExp]> = [
      ['ftp://old.example.com', /^devtrust-installers: --previous-collector-url must be an http\(s\) URL$/],
      [
        'https://u:p@old.example.com',
        /^devtrust-installers: --previous-collector-url must not hold a user name or password \(https:\/\/\*\*\*@old\.example\.com\): the agent signs in/,
      ],
      ['https://old.example.com/console', /is not a collector's address: give it as https:\/\/old\.example\.com, without a path$/],
      // The agent splits the MSI property at commas: this one entry would reach it as http://a.example.com and b.example.com.
      [
        'http://a.example.com,b.example.com',
        /--previous-collector-url "http:\/\/a\.example\.com,b\.example\.com" is more than one address/,
      ],
      // A hidden character the agent refuses in any collector URL: the payloads refuse it too, rather than drop it.
      [
        'https://old\u200b.example.com',
        /^devtrust-installers: --previous-collector-url must be one URL, without control characters or line breaks$/,
      ],
    ];
    for (const [entry, message] of cases) {
      const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-moved-bad-'));
      const result = runCli([
        'payloads',
        '--collector',
        COLLECTOR,
        '--enrollment-key',
        'k',
        '--out',
        dir,
        '--previous-collector-url',
        entry,
      ]);
      assert.equal(result.code, 2, entry);
      assert.match(result.stderr.trim(), message);
    }
  });
});

describe('the ADMX policies, as Group Policy writes them, reach the agent', () => {
  it("every policy's value arrives through the agent's Windows reader with the registry type its element writes", async () => {
    const { windowsManagedReader } = await import('@devtrust/agent/config/managed/windows');
    const admx = parseXml(readFileSync(new URL('../templates/windows/DevTrust.admx', import.meta.url), 'utf8'));
    // text → REG_SZ, multiText → REG_MULTI_SZ, an enabledValue decimal → REG_DWORD.
    const samples: Record<string, [string, string]> = {
      text: ['REG_SZ', 'https://trust.example.com'],
      multiText: ['REG_MULTI_SZ', 'http://trust.example.com:8700\\0http://trust-old.example.com'],
    };
    const lines: string[] = [];
    const expected: string[] = [];
    for (const policy of [...walk(admx)].filter((n) => n.name === 'policy')) {
      if (policy.attributes.valueName) {
        lines.push(`    ${policy.attributes.valueName}    REG_DWORD    0x1`);
        expected.push(policy.attributes.valueName);
      }
      for (const element of [...walk(policy)].filter((n) => n.attributes.valueName && samples[n.name])) {
        const [type, data] = samples[element.name]!;
        // Values the agent checks by pattern get a value that passes it.
        const value = element.attributes.valueName!.startsWith('trustedEndpoint') ? 'A1B2C3D4-0000-4000-8000-000000000001' : data;
        lines.push(`    ${element.attributes.valueName}    ${type}    ${value}`);
        expected.push(element.attributes.valueName!);
      }
    }
    const stdout = ['', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\DevTrust\\Agent', ...lines, ''].join('\r\n');
    const { settings } = await windowsManagedReader(async () => ({ ok: true, code: 0, stdout, stderr: '' }))();
    assert.deepEqual(Object.keys(settings).sort(), expected.sort());
    assert.deepEqual(settings.previousCollectorUrls, ['http://trust.example.com:8700', 'http://trust-old.example.com']);
  });
});

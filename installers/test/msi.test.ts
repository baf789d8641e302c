import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { describeUnless } from '../../test/support/skip.js';
import { parseXml } from './support/xml.js';
import { runCli } from './support/run-cli.js';
import { buildWxs, readAgentTree } from '../src/msi/wxs.js';

const missing = ['/usr/bin/wixl', '/usr/bin/msiinfo', '/usr/bin/msiextract'].filter((tool) => !existsSync(tool));
const skip = missing.length > 0 ? `${missing.join(', ')} missing (apt-get install -y wixl msitools)` : false;

/** A small stand-in for electron-builder's win-unpacked folder. */
function fakeAgentDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-agent-dir-'));
  mkdirSync(path.join(dir, 'resources'));
  mkdirSync(path.join(dir, 'locales'));
  writeFileSync(path.join(dir, 'DevTrust.exe'), 'MZ fake executable');
  writeFileSync(path.join(dir, 'resources', 'app.asar'), 'asar');
  writeFileSync(path.join(dir, 'locales', 'en-US.pak'), 'pak');
  writeFileSync(path.join(dir, 'LICENSES & notices.html'), '<html>');
  return dir;
}

const msiinfo = (...args: string[]) => spawnSync('/usr/bin/msiinfo', args, { encoding: 'utf8' });

describe('the WiX source', () => {
  it('is well-formed, ids unique, one component per file and registry value', async () => {
    const wxs = buildWxs(await readAgentTree(fakeAgentDir()), '0.1.0');
    const root = parseXml(wxs);
    assert.equal(root.name, 'Wix');
    const ids = [...wxs.matchAll(/<(?!ComponentRef)\w+ Id="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(ids.length > 10);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(wxs.includes('Name="LICENSES &amp; notices.html"'));
    assert.ok(wxs.includes('Value="&quot;[INSTALLDIR]DevTrust.exe&quot; -- &quot;%1&quot;"'));
  });

  it('is the same for the same input (stable component GUIDs keep upgrades sane)', async () => {
    const dir = fakeAgentDir();
    assert.equal(buildWxs(await readAgentTree(dir), '0.1.0'), buildWxs(await readAgentTree(dir), '0.1.0'));
  });
});

describeUnless(skip)('devtrust-installers msi (real wixl)', () => {
  it('builds an MSI with the agent files, the policy values, devtrust:// and the Run key', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'devtrust-msi-out-')), 'DevTrust.msi');
    const result = runCli(['msi', '--agent-dir', fakeAgentDir(), '--out', out, '--version', '1.2.3']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(out));

    const tables = msiinfo('tables', out).stdout.split(/\s+/);
    for (const table of ['File', 'Registry', 'Component', 'Directory', 'Property', 'Upgrade']) assert.ok(tables.includes(table), table);

    const files = msiinfo('export', out, 'File').stdout;
    for (const name of ['DevTrust.exe', 'app.asar', 'en-US.pak', 'LICENSES & notices.html', 'trust-loopback.ps1'])
      assert.ok(files.includes(`\t${name}\t`), name);
    // The installed script is unfilled: it reads the collector the MSI's COLLECTORURL set.
    const extracted = mkdtempSync(path.join(tmpdir(), 'devtrust-msi-x-'));
    assert.equal(spawnSync('/usr/bin/msiextract', ['-C', extracted, out]).status, 0);
    const script = readFileSync(path.join(extracted, 'DevTrust', 'trust-loopback.ps1'), 'utf8');
    assert.ok(script.includes("param([string]$Collector = '__COLLECTOR_URL__')"));
    assert.ok(script.includes("Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Policies\\DevTrust\\Agent'"));
    rmSync(extracted, { recursive: true, force: true });

    const registry = msiinfo('export', out, 'Registry')
      .stdout.split('\n')
      .map((line) => line.split('\t'));
    const row = (key: string, name: string) => registry.find((cells) => cells[1] === '2' && cells[2] === key && cells[3] === name)?.[4];
    assert.equal(row('SOFTWARE\\Policies\\DevTrust\\Agent', 'collectorUrl'), '[COLLECTORURL]');
    assert.equal(row('SOFTWARE\\Policies\\DevTrust\\Agent', 'enrollmentKey'), '[ENROLLMENTKEY]');
    // A move to a new collector URL (install.cmd's PREVIOUSCOLLECTORURLS): one string, split at blanks by the agent.
    assert.equal(row('SOFTWARE\\Policies\\DevTrust\\Agent', 'previousCollectorUrls'), '[PREVIOUSCOLLECTORURLS]');
    // MDM-asserted identity: the value names the agent's registry reader and the ADMX use.
    assert.equal(row('SOFTWARE\\Policies\\DevTrust\\Agent', 'trustedEndpointsKey'), '[TRUSTEDENDPOINTSKEY]');
    assert.equal(row('SOFTWARE\\Policies\\DevTrust\\Agent', 'trustedEndpointIdentifier'), '[TRUSTEDENDPOINTIDENTIFIER]');
    assert.equal(row('SOFTWARE\\Classes\\devtrust', 'URL Protocol'), '');
    assert.equal(row('SOFTWARE\\Classes\\devtrust\\shell\\open\\command', ''), '"[INSTALLDIR]DevTrust.exe" -- "%1"');
    assert.equal(row('SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', 'DevTrust'), '"[INSTALLDIR]DevTrust.exe"');

    const properties = msiinfo('export', out, 'Property').stdout;
    assert.match(properties, /ProductVersion\t1\.2\.3/);
    assert.match(properties, /MsiHiddenProperties\tENROLLMENTKEY;TRUSTEDENDPOINTSKEY\r?\n/);
    assert.match(properties, /UpgradeCode\t\{B7E1C0A4-5D2F-4E8B-9A61-3F0D2C7E9B15\}/);
    assert.match(msiinfo('export', out, 'InstallExecuteSequence').stdout, /RemoveExistingProducts/);
  });
});

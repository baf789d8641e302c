import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { identifiersOf, type DeviceIdentity } from '@devtrust/shared/identity';
import { parseMdatpHealthJson, parseSentinelctlStatus } from '../../src/collect/edr/parse.js';
import { collectDevice } from '../../src/collect/index.js';
import {
  parseIoreg,
  parseNetworksetupPorts,
  parseSystemProfilerHardware,
  parseSystemProfilerModel,
} from '../../src/collect/macos/parse.js';
import { createHost } from '../../src/collect/host.js';
import { readKey } from '../../src/collect/windows/registry.js';
import type { CommandRunner, ExecResult } from '../../src/platform/exec.js';
import { decodeOutput } from '../../src/platform/decode.js';
import { FIXTURES } from './fixture-host.js';

/**
 * Real command output published by others (fixtures/captures/README.md names each source).
 * Every capture is one row: its parser runs on it, then the probes that use that parser
 * run on it through collectDevice, and the results must be what its expected.json lists.
 */
const CAPTURES = path.join(FIXTURES, 'captures');

interface Capture {
  os: 'macos' | 'windows';
  dir: string;
  file: string;
  bytes: Buffer;
  expected: any;
}

function captures(): Capture[] {
  const out: Capture[] = [];
  for (const os of ['macos', 'windows'] as const) {
    for (const machine of readdirSync(path.join(CAPTURES, os)).sort()) {
      const dir = path.join(CAPTURES, os, machine);
      if (!statSync(dir).isDirectory()) continue;
      const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, unknown>;
      for (const file of readdirSync(dir).sort()) {
        if (file === 'expected.json') continue;
        out.push({ os, dir: `${os}/${machine}`, file, bytes: readFileSync(path.join(dir, file)), expected: expected[file] });
      }
    }
  }
  return out;
}

const notInstalled = (name: string): ExecResult => ({ ok: false, kind: 'not-installed', reason: `${name} is not installed` });

/** A runner answering only the given commands (by "name args…"); everything else is not installed. */
function answering(answers: Record<string, ExecResult>): CommandRunner {
  return async (name, args) => answers[[name, ...args].join(' ')] ?? notInstalled(name);
}

const exit0 = (stdout: string): ExecResult => ({ ok: true, code: 0, stdout, stderr: '' });

/** Only the identity fields a capture speaks to. */
function pick(identity: DeviceIdentity, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, identity[key as keyof DeviceIdentity]]));
}

/**
 * The Windows captures are `wmic … list full` ("Name=value") and `Format-List` ("Name : value")
 * renderings of Win32_ComputerSystemProduct. The agent's own script prints the same class as
 * JSON: lift the capture's values into that shape, then let the real probes read them.
 */
function cimRow(text: string): Record<string, string> {
  const row: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\w+)\s*[=:]\s?(.*?)\s*$/.exec(line);
    if (match) row[match[1] as string] = match[2] as string;
  }
  return row;
}

const ROWS: Record<string, (capture: Capture) => Promise<void>> = {
  async 'ioreg-rd1-c-IOPlatformExpertDevice.txt'({ bytes, expected }) {
    const text = decodeOutput(bytes);
    assert.deepEqual(parseIoreg(text), expected.parsed);
    const { identity } = await collectDevice({
      platform: 'macos',
      runner: answering({ 'ioreg -rd1 -c IOPlatformExpertDevice': exit0(text) }),
    });
    assert.deepEqual(pick(identity, Object.keys(expected.identity)), expected.identity);
    assert.deepEqual(identifiersOf(identity), expected.identifiers);
  },

  async 'system_profiler-SPHardwareDataType-json.json'({ bytes, expected }) {
    const text = decodeOutput(bytes);
    assert.deepEqual(parseSystemProfilerHardware(text), expected.parsed);
    assert.deepEqual(parseSystemProfilerModel(text), expected.model);
    // ioreg failing sends the probes to system_profiler.
    const { identity } = await collectDevice({
      platform: 'macos',
      runner: answering({ 'system_profiler SPHardwareDataType -json': exit0(text) }),
    });
    assert.deepEqual(pick(identity, Object.keys(expected.identity)), expected.identity);
    assert.deepEqual(identifiersOf(identity), expected.identifiers);
  },

  async 'networksetup-listallhardwareports.txt'({ bytes, expected }) {
    const text = decodeOutput(bytes);
    assert.equal(parseNetworksetupPorts(text).length, expected.ports);
    const { identity } = await collectDevice({
      platform: 'macos',
      runner: answering({ 'networksetup -listallhardwareports': exit0(text) }),
    });
    assert.deepEqual(pick(identity, ['macAddresses']), expected.identity);
    assert.deepEqual(identifiersOf(identity), expected.identifiers);
  },

  async 'sentinelctl-status.txt'({ bytes, expected }) {
    const text = decodeOutput(bytes);
    assert.deepEqual(parseSentinelctlStatus(text), expected.parsed);
    // Found where glpi-agent runs it: the agent bundle, not /usr/local/bin.
    const { identity, probeErrors } = await collectDevice({ platform: 'macos', runner: answering({ 'sentinelctl status': exit0(text) }) });
    assert.deepEqual(
      identity.edr?.find((c) => c.vendor === 'sentinelone'),
      expected.connector,
    );
    assert.equal(probeErrors['edr.sentinelone'], expected.note);
  },

  async 'mdatp-health-output-json.json'({ bytes, expected }) {
    const text = decodeOutput(bytes);
    assert.deepEqual(parseMdatpHealthJson(text), expected.parsed);
    const { identity } = await collectDevice({ platform: 'macos', runner: answering({ 'mdatp health --output json': exit0(text) }) });
    assert.deepEqual(
      identity.edr?.find((c) => c.vendor === 'defender'),
      {
        vendor: 'defender',
        installed: true,
        running: true,
        connectorId: expected.parsed.machineId,
        details: { orgId: expected.parsed.orgId, healthy: true, licensed: true, version: expected.parsed.version },
      },
    );
  },

  async 'wmic-csproduct-list-full.txt'(capture) {
    await windowsProduct(capture);
  },

  async 'Get-CimInstance-Win32_ComputerSystemProduct-fl.txt'(capture) {
    await windowsProduct(capture);
  },

  async 'reg-query.stderr.issue56-en-policy.txt'(capture) {
    await regDenied(capture, 'policy');
  },

  async 'reg-query.stderr.issue64-de-denied.txt'(capture) {
    await regDenied(capture, 'key');
  },
};

async function windowsProduct({ bytes, expected }: Capture): Promise<void> {
  const row = cimRow(decodeOutput(bytes));
  const inventory = {
    errors: {},
    product: { UUID: row.UUID, IdentifyingNumber: row.IdentifyingNumber, Vendor: row.Vendor, Name: row.Name },
  };
  const runner: CommandRunner = async (name) => (name === 'powershell' ? exit0(JSON.stringify(inventory)) : notInstalled(name));
  const { identity } = await collectDevice({ platform: 'windows', runner });
  assert.deepEqual(pick(identity, Object.keys(expected.identity)), expected.identity);
  assert.deepEqual(identifiersOf(identity), expected.identifiers);
}

const MICROSOFT_LISTING = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n';

/**
 * reg.exe failing with the captured message while PowerShell does not answer: under the
 * DisableRegistryTools policy every query fails (even the hive's); a localized denial
 * fails one key its parent still lists. Either is "denied", and the reason quotes reg.exe.
 */
async function regDenied({ bytes, expected }: Capture, scope: 'policy' | 'key'): Promise<void> {
  const failed: ExecResult = { ok: true, code: 1, stdout: '', stderr: decodeOutput(bytes, 850) };
  const runner: CommandRunner = async (name, args) => {
    if (name !== 'reg') return notInstalled(name);
    if (scope === 'key' && args[1] === 'HKLM\\SOFTWARE\\Microsoft') return exit0(MICROSOFT_LISTING);
    return failed;
  };
  const host = createHost({ platform: 'windows', runner });
  const read = await readKey(host, 'machineGuid');
  assert.equal(read.ok ? 'ok' : read.kind, expected.kind);
  const { probeErrors } = await collectDevice({ platform: 'windows', runner });
  assert.ok(probeErrors.machineGuid?.includes(`"${expected.quotes}"`), probeErrors.machineGuid);
  assert.doesNotMatch(probeErrors.machineGuid ?? '', /^.*exited with code 1$/);
}

describe('parsers over real captures', () => {
  const all = captures();

  it('every capture has its expected values and a parser row', () => {
    assert.ok(all.length >= 10);
    for (const capture of all) {
      assert.ok(capture.expected, `${capture.dir}/${capture.file} has an entry in expected.json`);
      assert.ok(ROWS[capture.file], `${capture.file} has a parser row`);
    }
  });

  for (const capture of all) {
    it(`${capture.dir}/${capture.file}`, async () => {
      await (ROWS[capture.file] as (c: Capture) => Promise<void>)(capture);
    });
  }
});

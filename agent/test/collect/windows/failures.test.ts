import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { collectDevice } from '../../../src/collect/index.js';
import { createHost } from '../../../src/collect/host.js';
import { INVENTORY_ARGS } from '../../../src/collect/windows/inventory.js';
import { readKey } from '../../../src/collect/windows/registry.js';
import { decodeOutput } from '../../../src/platform/decode.js';
import { createRunner, type CommandRunner, type ExecResult } from '../../../src/platform/exec.js';
import { readRegistry } from '../../../src/platform/reg-read.js';
import { commandKey, FIXTURES, inventoryWith, loadMachine } from '../fixture-host.js';

/**
 * Windows registry failures that are not English or not "missing": each must come out as
 * the right kind (missing = not installed, never a failure; denied; other) with a reason
 * that quotes what Windows said, whatever its language and encoding.
 */

const POWERSHELL = commandKey('powershell', INVENTORY_ARGS);
const captured = (file: string) => readFileSync(path.join(FIXTURES, 'captures', 'windows', 'reg-stderr', file));
const POLICY = decodeOutput(captured('reg-query.stderr.issue56-en-policy.txt')).trim();
const DENIED_DE = decodeOutput(captured('reg-query.stderr.issue64-de-denied.txt')).trim();
const blocked: ExecResult = { ok: false, kind: 'failed', reason: 'powershell.exe: blocked by AppLocker' };

/** Every reg.exe query fails with `stderr`, as under DisableRegistryTools; the rest as recorded. */
function regRefusing(machine: ReturnType<typeof loadMachine>, stderr: string): CommandRunner {
  return async (name, args, options) => (name === 'reg' ? { ok: true, code: 1, stdout: '', stderr } : machine.runner(name, args, options));
}

describe('Windows registry failures', () => {
  it('DisableRegistryTools: reg.exe refuses everything, but the inventory reads the registry with Get-ItemProperty', async () => {
    const machine = loadMachine('windows', 'dell-latitude-7420');
    const { identity, probeErrors } = await collectDevice({
      platform: 'windows',
      runner: regRefusing(machine, POLICY),
      files: machine.files,
    });
    assert.equal(identity.machineGuid, '6f2e1c3a-8b4d-4e5f-9a0b-1c2d3e4f5a6b');
    assert.equal(identity.edr?.find((c) => c.vendor === 'crowdstrike')?.connectorId, '7d3a1f0c9b8e4a2d6c5b4a3928170615');
    assert.equal(probeErrors['edr.crowdstrike'], undefined);
    assert.equal(probeErrors['edr.defender'], undefined);
  });

  it('DisableRegistryTools with PowerShell blocked too: MachineGuid is "denied" quoting reg.exe; no EDR failures on a machine with neither', async () => {
    const machine = loadMachine('windows', 'asrock-whitebox', { [POWERSHELL]: blocked });
    const runner = regRefusing(machine, `${POLICY}\r\n`);
    const read = await readKey(createHost({ platform: 'windows', runner }), 'machineGuid');
    assert.deepEqual(read.ok ? null : read.kind, 'denied');
    const { identity, probeErrors } = await collectDevice({ platform: 'windows', runner, files: machine.files });
    assert.equal(identity.machineGuid, undefined);
    assert.match(
      probeErrors.machineGuid ?? '',
      /MachineGuid is not readable \(reg\.exe exit 1: "ERROR: Registry editing has been disabled by your administrator\."\)/,
    );
    // sc.exe says CSFalconService does not exist and Sense is stopped: neither is installed.
    assert.deepEqual(identity.edr, []);
    assert.equal(probeErrors['edr.crowdstrike'], undefined);
    assert.equal(probeErrors['edr.defender'], undefined);
  });

  it('a localized denial from PowerShell: "denied" by its category, the German message quoted', async () => {
    const machine = loadMachine('windows', 'dell-latitude-7420', {
      [POWERSHELL]: inventoryWith('dell-latitude-7420', {
        machineGuid: {
          error: { category: 'PermissionDenied', type: 'System.Security.SecurityException', message: `${DENIED_DE}.` },
        },
      }),
    });
    const read = await readKey(createHost({ platform: 'windows', runner: machine.runner }), 'machineGuid');
    assert.deepEqual(read.ok ? null : read.kind, 'denied');
    const { probeErrors } = await collectDevice({ platform: 'windows', runner: machine.runner, files: machine.files });
    assert.match(probeErrors.machineGuid ?? '', /Cryptography is not readable \(PermissionDenied: "Zugriff verweigert\."\)/);
  });

  it('a localized denial from reg.exe: "denied", because the parent key still lists the key', async () => {
    const machine = loadMachine('windows', 'asrock-whitebox', {
      [POWERSHELL]: blocked,
      'reg query HKLM\\SOFTWARE\\Microsoft\\Cryptography /v MachineGuid /reg:64': { ok: true, code: 1, stdout: '', stderr: DENIED_DE },
      'reg query HKLM\\SOFTWARE\\Microsoft\\Cryptography /reg:64': { ok: true, code: 1, stdout: '', stderr: DENIED_DE },
    });
    const read = await readKey(createHost({ platform: 'windows', runner: machine.runner }), 'machineGuid');
    assert.deepEqual(read.ok ? null : read.kind, 'denied');
    assert.match(read.ok ? '' : read.reason, /"Zugriff verweigert"/);
  });

  it('a missing key in any language is "not installed", never a failure', async () => {
    const germanMissing = 'FEHLER: Der angegebene Registrierungsschlüssel bzw. Wert wurde nicht gefunden.';
    // Through PowerShell: ObjectNotFound, whatever the message says.
    const viaPowerShell = loadMachine('windows', 'virtualbox-vm', {
      [POWERSHELL]: inventoryWith('virtualbox-vm', {
        defender: {
          error: { category: 'ObjectNotFound', type: 'System.Management.Automation.ItemNotFoundException', message: germanMissing },
        },
        defenderStatus: {
          error: { category: 'ObjectNotFound', type: 'System.Management.Automation.ItemNotFoundException', message: germanMissing },
        },
      }),
    });
    const first = await collectDevice({ platform: 'windows', runner: viaPowerShell.runner, files: viaPowerShell.files });
    assert.equal(
      first.identity.edr?.find((c) => c.vendor === 'defender'),
      undefined,
    );
    assert.equal(first.probeErrors['edr.defender'], undefined);
    assert.equal(first.probeErrors['edr.crowdstrike'], undefined);
    // Through reg.exe: the parent's listing has no such key.
    const viaReg = loadMachine('windows', 'asrock-whitebox', { [POWERSHELL]: blocked });
    const runner: CommandRunner = async (name, args, options) => {
      const result = await viaReg.runner(name, args, options);
      return result.ok && result.code === 1 ? { ...result, stderr: germanMissing } : result;
    };
    const read = await readKey(createHost({ platform: 'windows', runner }), 'defender');
    assert.deepEqual(read.ok ? null : read.kind, 'missing');
    const second = await collectDevice({ platform: 'windows', runner, files: viaReg.files });
    assert.deepEqual(second.identity.edr, []);
    assert.equal(second.probeErrors['edr.defender'], undefined);
  });
});

describe('command output in the encoding it was written in', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'devtrust-encoding-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // A real process writes the bytes, as reg.exe would: /bin/sh stands in under the name "reg".
  const run = createRunner({ allowlist: { reg: '/bin/sh' }, platform: 'linux' });
  const writing = (file: string, bytes: Buffer) => {
    writeFileSync(path.join(work, file), bytes);
    return ['-c', `cat "${path.join(work, file)}" >&2; exit 1`];
  };

  it('OEM code page 850: a German reg.exe message keeps its umlauts and is quoted in the reason', async () => {
    // "FEHLER: Ungültiger Schlüssel" in CP850 (ü = 0x81).
    const cp850 = Buffer.from([...Buffer.from('FEHLER: Ung'), 0x81, ...Buffer.from('ltiger Schl'), 0x81, ...Buffer.from('ssel\r\n')]);
    const args = writing('cp850.txt', cp850);
    const result = await run('reg', args, { codePage: 850 });
    assert.ok(result.ok);
    assert.equal(result.stderr, 'FEHLER: Ungültiger Schlüssel\r\n');
    // Every reg.exe query fails this way, so not even the hive lists: "denied", message quoted.
    const read = await readRegistry((_args) => run('reg', args, { codePage: 850 }), 'HKLM\\SOFTWARE\\X', 'Y');
    assert.deepEqual(read, {
      ok: false,
      kind: 'denied',
      reason: 'HKLM\\SOFTWARE\\X\\Y is not readable (reg.exe exit 1: "FEHLER: Ungültiger Schlüssel")',
    });
  });

  it('UTF-16LE, with or without a byte-order mark, decodes to text', async () => {
    for (const bom of [true, false]) {
      const bytes = Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(`${DENIED_DE}\r\n`, 'utf16le')]);
      const result = await run('reg', writing(`utf16-${bom}.txt`, bytes), { codePage: 850 });
      assert.ok(result.ok);
      assert.equal(result.stderr, 'Zugriff verweigert\r\n', `BOM ${bom}`);
    }
  });

  it('table: BOMs, UTF-8, code pages and undecodable bytes', () => {
    const cases: Array<[number[] | string, number | undefined, string]> = [
      ['plain ascii', undefined, 'plain ascii'],
      [[0xef, 0xbb, 0xbf, 0x61], undefined, 'a'],
      [[...Buffer.from('Gr\u00fc\u00dfe')], undefined, 'Grüße'],
      [[0x47, 0x72, 0x81, 0xe1, 0x65], 850, 'Grüße'],
      [[0x47, 0x72, 0x81, 0xe1, 0x65], 437, 'Grüße'],
      [[0x8f, 0xe0, 0xa8, 0xa2, 0xa5, 0xe2], 866, 'Привет'],
      [[0x47, 0x72, 0xfc, 0xdf, 0x65], undefined, 'Grüße'], // not UTF-8, no code page: Latin-1
    ];
    for (const [input, codePage, want] of cases)
      assert.equal(decodeOutput(typeof input === 'string' ? Buffer.from(input) : Buffer.from(input), codePage), want, String(input));
  });
});

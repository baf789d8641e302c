import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { usableIdentifier } from '@devtrust/shared/identity';
import {
  isVirtualPort,
  parseFdesetupStatus,
  parseIoreg,
  parseNetworksetupPorts,
  parseSocketfilterfw,
  parseSwVers,
  parseSysadminctlScreenLock,
  parseSystemProfilerHardware,
} from '../../../src/collect/macos/parse.js';
import { FIXTURES } from '../fixture-host.js';

const fixture = (machine: string, file: string) => readFileSync(path.join(FIXTURES, 'macos', machine, file), 'utf8');

describe('macOS parsers', () => {
  it('ioreg: IOPlatformUUID and IOPlatformSerialNumber, normalised or dropped as placeholders', () => {
    const cases = [
      {
        machine: 'macbook-pro-m1',
        uuid: '8E5B2C62-1F0A-5D9B-A4F4-1C2D3E4F5A6B',
        serial: 'K4QW7R9XJ2',
        usableUuid: '8E5B2C621F0A5D9BA4F41C2D3E4F5A6B',
        usableSerial: 'K4QW7R9XJ2',
      },
      { machine: 'vm-placeholders', uuid: '00000000-0000-0000-0000-000000000000', serial: '0', usableUuid: null, usableSerial: null },
    ];
    for (const c of cases) {
      const ids = parseIoreg(fixture(c.machine, 'ioreg.txt'));
      assert.deepEqual(ids, { uuid: c.uuid, serial: c.serial }, c.machine);
      assert.equal(usableIdentifier('hardwareUuid', ids.uuid), c.usableUuid, c.machine);
      assert.equal(usableIdentifier('serialNumber', ids.serial), c.usableSerial, c.machine);
    }
    // The serial-number <data> property and mlb-serial-number are not the platform serial.
    assert.deepEqual(parseIoreg('"serial-number" = <4b34>\n"mlb-serial-number" = <43>\n'), { uuid: null, serial: null });
    assert.deepEqual(parseIoreg('    | |   "IOPlatformUUID" = "AB-CD"\n'), { uuid: 'AB-CD', serial: null });
  });

  it('system_profiler SPHardwareDataType -json agrees with ioreg', () => {
    assert.deepEqual(
      parseSystemProfilerHardware(fixture('macbook-pro-m1', 'system_profiler-hardware.json')),
      parseIoreg(fixture('macbook-pro-m1', 'ioreg.txt')),
    );
    assert.deepEqual(parseSystemProfilerHardware('not json'), { uuid: null, serial: null });
    assert.deepEqual(parseSystemProfilerHardware('{"SPHardwareDataType":[]}'), { uuid: null, serial: null });
  });

  it('sw_vers: version and build, whatever the tab layout', () => {
    assert.deepEqual(parseSwVers(fixture('macbook-pro-m1', 'sw_vers.txt')), { productName: 'macOS', version: '14.4.1', build: '23E224' });
    assert.deepEqual(parseSwVers('ProductName:\tMac OS X\nProductVersion:\t10.15.7\nBuildVersion:\t19H2\n'), {
      productName: 'Mac OS X',
      version: '10.15.7',
      build: '19H2',
    });
  });

  it('networksetup: hardware ports, with bridges, IP-over-Thunderbolt, Apple silicon Ethernet Adapters and Bluetooth PAN marked virtual', () => {
    const ports = parseNetworksetupPorts(fixture('macbook-pro-m1', 'networksetup-listallhardwareports.txt'));
    assert.equal(ports.length, 9);
    assert.deepEqual(
      ports.find((p) => p.device === 'en0'),
      { port: 'Wi-Fi', device: 'en0', mac: 'f4:d4:88:6a:1b:2c' },
    );
    assert.deepEqual(
      ports.filter(isVirtualPort).map((p) => p.device),
      ['en4', 'en5', 'en6', 'bridge0', 'en1', 'en2', 'en3'],
    );
    assert.equal(isVirtualPort({ port: 'Bluetooth PAN', device: 'en9', mac: '3c:22:fb:00:11:22' }), true);
    assert.equal(isVirtualPort({ port: 'USB 10/100/1000 LAN', device: 'en7', mac: '00:e0:4c:68:01:02' }), false);
    assert.equal(isVirtualPort({ port: 'Thunderbolt Ethernet Slot 1', device: 'en8', mac: null }), false);
    assert.deepEqual(parseNetworksetupPorts('Hardware Port: Bluetooth PAN\nDevice: en9\nEthernet Address: N/A\n'), [
      { port: 'Bluetooth PAN', device: 'en9', mac: null },
    ]);
  });

  it('fdesetup status: only a finished, on volume is encrypted', () => {
    const cases: Array<[string, boolean | null]> = [
      ['FileVault is On.\n', true],
      ['FileVault is Off.\n', false],
      ['FileVault is On.\nEncryption in progress: Percent completed = 42.7\n', false],
      ['FileVault is On.\nDecryption in progress: Percent completed = 10.0\n', false],
      ["FileVault is Off.\nDeferred enablement appears to be active for user 'jane'.\n", false],
      ['fdesetup: command failed\n', null],
    ];
    for (const [text, want] of cases) assert.equal(parseFdesetupStatus(text), want, text);
  });

  it('socketfilterfw --getglobalstate: State 1 and 2 (block all) are on', () => {
    const cases: Array<[string, boolean | null]> = [
      ['Firewall is enabled. (State = 1)\n', true],
      ['Firewall is blocking all non-essential incoming connections. (State = 2)\n', true],
      ['Firewall is disabled. (State = 0)\n', false],
      ['Firewall is enabled.\n', true],
      ['', null],
    ];
    for (const [text, want] of cases) assert.equal(parseSocketfilterfw(text), want, text);
  });

  it('sysadminctl -screenLock status (stderr, timestamped)', () => {
    const cases: Array<[string, boolean | null]> = [
      [fixture('macbook-pro-m1', 'sysadminctl-screenlock.stderr.txt'), true],
      [fixture('vm-placeholders', 'sysadminctl-screenlock.stderr.txt'), false],
      ['2024-03-21 10:02:51.207 sysadminctl[912:14410] screenLock delay is 300 seconds\n', true],
      ['screenLock delay is -1 seconds\n', false],
      ['sysadminctl: unknown option\n', null],
    ];
    for (const [text, want] of cases) assert.equal(parseSysadminctlScreenLock(text), want, text);
  });
});

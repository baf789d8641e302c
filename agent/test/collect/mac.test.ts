import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  canonicalMac,
  isLocallyAdministered,
  isNonUnicast,
  stableMacs,
  VIRTUAL_ADAPTER_DESCRIPTION,
  VIRTUAL_INTERFACE_NAME,
} from '../../src/collect/mac.js';
import { linuxMacCandidate } from '../../src/collect/linux/parse.js';

describe('MAC address rules', () => {
  it('canonical form from every OS spelling', () => {
    const cases: Array<[string | null, string | null]> = [
      ['A4-BB-6D-5E-12-34', 'a4:bb:6d:5e:12:34'],
      ['A4BB6D5E1234', 'a4:bb:6d:5e:12:34'],
      ['0:1a:2b:3:4d:5e', '00:1a:2b:03:4d:5e'],
      ['a4:bb:6d:5e:12', null],
      ['N/A', null],
      [null, null],
    ];
    for (const [raw, want] of cases) assert.equal(canonicalMac(raw), want, String(raw));
  });

  it('locally administered and non-unicast bits', () => {
    assert.equal(isLocallyAdministered('02:fc:00:00:00:01'), true);
    assert.equal(isLocallyAdministered('d2:3f:81:0a:77:10'), true);
    assert.equal(isLocallyAdministered('f4:d4:88:6a:1b:2c'), false);
    assert.equal(isNonUnicast('01:00:5e:00:00:01'), true);
    assert.equal(isNonUnicast('ff:ff:ff:ff:ff:ff'), true);
    assert.equal(isNonUnicast('00:00:00:00:00:00'), true);
    assert.equal(isNonUnicast('a4:bb:6d:5e:12:34'), false);
  });

  it('keeps universal and permanent addresses, drops random and non-unicast ones', () => {
    assert.deepEqual(
      stableMacs([
        { mac: 'A4-BB-6D-5E-12-34', permanent: false }, // universal
        { mac: 'D2-3F-81-0A-77-10', permanent: false }, // Wi-Fi random address
        { mac: '02:fc:00:00:00:01', permanent: true }, // a cloud VM's NIC: locally administered but permanent
        { mac: '00:00:00:00:00:00', permanent: true },
        { mac: 'a4:bb:6d:5e:12:34', permanent: true }, // duplicate
        { mac: null, permanent: false },
      ]),
      ['02:fc:00:00:00:01', 'a4:bb:6d:5e:12:34'],
    );
  });

  it('Linux: a bus device, Ethernet type, and not a random address', () => {
    const nic = { name: 'eth0', hasDevice: true, type: '1', addrAssignType: '0', address: '02:fc:00:00:00:01' };
    assert.deepEqual(linuxMacCandidate(nic), { mac: '02:fc:00:00:00:01', permanent: true });
    assert.equal(linuxMacCandidate({ ...nic, name: 'docker0', hasDevice: false }), null);
    assert.equal(linuxMacCandidate({ ...nic, name: 'ifb0', hasDevice: false, addrAssignType: '1' }), null);
    assert.equal(linuxMacCandidate({ ...nic, addrAssignType: '1' }), null, 'random every boot');
    assert.deepEqual(
      linuxMacCandidate({ ...nic, name: 'wlp2s0', addrAssignType: '3', address: '3a:1b:2c:3d:4e:5f' }),
      { mac: '3a:1b:2c:3d:4e:5f', permanent: false },
      'set by NetworkManager: kept only if universal',
    );
    assert.equal(linuxMacCandidate({ ...nic, name: 'ib0', type: '32' }), null, 'InfiniBand is not an Ethernet MAC');
  });

  it('names and descriptions of virtual interfaces', () => {
    for (const name of ['lo', 'docker0', 'veth1a2b', 'br-4f2a', 'virbr0', 'utun3', 'awdl0', 'tailscale0', 'wg0', 'ifb1'])
      assert.match(name, VIRTUAL_INTERFACE_NAME);
    for (const name of ['eth0', 'enp3s0', 'wlp2s0', 'en0', 'enx00e04c6812ab']) assert.doesNotMatch(name, VIRTUAL_INTERFACE_NAME);
    for (const d of [
      'Hyper-V Virtual Ethernet Adapter',
      'TAP-Windows Adapter V9',
      'Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64',
      'WAN Miniport (IP)',
    ])
      assert.match(d, VIRTUAL_ADAPTER_DESCRIPTION);
    for (const d of ['Intel(R) Ethernet Connection (13) I219-LM', 'Realtek PCIe GbE Family Controller', 'Intel(R) Wi-Fi 6 AX201 160MHz'])
      assert.doesNotMatch(d, VIRTUAL_ADAPTER_DESCRIPTION);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { mapComputer } from '@devtrust/collector/sync/cisco-secure-endpoint/map';
import { mapHost } from '@devtrust/collector/sync/crowdstrike/map';
import { mapAgent } from '@devtrust/collector/sync/sentinelone/map';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';

// Records shaped as the vendors document them (Secure Endpoint API v1 computer list,
// Falcon device details v2, SentinelOne v2.1 agents); values are made up.
const AMP_COMPUTER = {
  active: true,
  connector_guid: '22d4a486-1732-4f8b-9a6f-18f172fe7af0',
  connector_version: '8.0.1.21164',
  external_ip: '221.71.163.177',
  faults: [],
  group_guid: 'bb5a9f90-d6fa-4fe7-99c8-e91060b49a98',
  groups: [{ guid: 'bb5a9f90-d6fa-4fe7-99c8-e91060b49a98', name: 'Protect' }],
  hostname: 'Demo_AMP',
  install_date: '2022-09-25T13:04:53Z',
  internal_ips: ['191.250.254.209'],
  is_compromised: true,
  isolation: { available: true, status: 'not_isolated' },
  last_seen: '2022-10-25T13:04:53Z',
  network_addresses: [{ ip: '191.250.254.209', mac: 'e6:80:50:1e:e5:20' }],
  operating_system: 'Windows 10',
  os_version: '10.0.19044.1466',
  policy: { guid: '91c7894d-dd69-4a21-8cf6-5ebfc57ef4df', name: 'Protect' },
  windows_processor_id: '3e0527a4d8916bf',
};

const FALCON_HOST = {
  device_id: '4a5f1c9e2b3d4e5f6a7b8c9d0e1f2a3b',
  cid: '1234567890abcdef1234567890abcdef',
  agent_version: '7.10.17706.0',
  hostname: 'LAPTOP-ALICE',
  platform_name: 'Mac',
  os_version: 'Sonoma (14)',
  serial_number: 'C02ZK0XYMD6M',
  mac_address: 'f0-18-98-aa-bb-cc',
  status: 'contained',
  last_seen: '2026-11-20T08:15:00Z',
  reduced_functionality_mode: 'no',
  product_type_desc: 'Workstation',
};

const S1_AGENT = {
  accountId: '000000000000000002',
  activeThreats: 0,
  agentVersion: '23.4.2.14',
  computerName: 'hostname123',
  id: '0000000000000000002',
  infected: false,
  isActive: true,
  isDecommissioned: false,
  isUninstalled: false,
  lastActiveDate: '2023-01-01T00:00:00.000000Z',
  networkInterfaces: [
    { id: '1', inet: ['198.51.100.1'], inet6: ['2001:db8:8:4::2'], name: 'Ethernet', physical: '12-23-45-67-89-12' },
    { id: '2', inet: [], inet6: ['fe80::452:cc5:f170:185'], name: 'Teredo Tunneling Pseudo-Interface', physical: '00:00:00:00:00:00' },
  ],
  networkStatus: 'connected',
  osName: 'Windows 10 Pro',
  osType: 'windows',
  serialNumber: 'PF2ABCDE',
  uuid: '9de5069c5afe602b2ea0a04b66beb2c0',
};

describe('Cisco Secure Endpoint mapping', () => {
  it('maps a documented computer: connector GUID, MACs, platform, compromised', () => {
    const device = mapComputer(AMP_COMPUTER);
    assert.equal(device.edr?.connectorId, '22d4a486-1732-4f8b-9a6f-18f172fe7af0');
    assert.equal(device.edr?.status, 'compromised');
    assert.equal(device.edr?.seenAt, Date.parse('2022-10-25T13:04:53Z'));
    assert.deepEqual(device.macAddresses, ['e6:80:50:1e:e5:20']);
    assert.equal(device.platform, 'windows');
    assert.equal(device.deviceName, 'Demo_AMP');
    assert.equal(device.serialNumber, null);
    const staged = toStagedRecord(device);
    assert.equal(staged?.edr?.connectorId, '22D4A48617324F8B9A6F18F172FE7AF0');
    assert.deepEqual(staged?.macAddresses, ['E680501EE520']);
  });

  it('isolation counts as compromised; an explicit false is clean; no field is unknown', () => {
    assert.equal(mapComputer({ ...AMP_COMPUTER, is_compromised: false, isolation: { status: 'isolated' } }).edr?.status, 'compromised');
    assert.equal(mapComputer({ ...AMP_COMPUTER, is_compromised: false }).edr?.status, 'clean');
    const { is_compromised: _dropped, ...unknown } = AMP_COMPUTER;
    assert.equal(mapComputer(unknown).edr?.status, 'unknown');
    assert.equal(
      mapComputer({ ...AMP_COMPUTER, hardware: { serial: 'FVFXC2ABHV2J' }, operating_system: 'Mac OS X 13.6' }).serialNumber,
      'FVFXC2ABHV2J',
    );
  });
});

describe('CrowdStrike Falcon mapping', () => {
  it('maps documented device details: AID, serial, MAC, platform, containment', () => {
    const device = mapHost(FALCON_HOST);
    assert.deepEqual(
      [device.edr?.connectorId, device.serialNumber, device.macAddresses, device.platform, device.edr?.status],
      ['4a5f1c9e2b3d4e5f6a7b8c9d0e1f2a3b', 'C02ZK0XYMD6M', ['f0-18-98-aa-bb-cc'], 'macos', 'compromised'],
    );
    assert.match(device.edr?.detail ?? '', /network-contained/);
  });

  it('containment states map to the documented compromise rule', () => {
    const status = (s: unknown) => mapHost({ ...FALCON_HOST, status: s }).edr?.status;
    assert.deepEqual(['normal', 'containment_pending', 'contained', 'lift_containment_pending', 'weird', undefined].map(status), [
      'clean',
      'compromised',
      'compromised',
      'clean',
      'unknown',
      'unknown',
    ]);
  });
});

describe('SentinelOne mapping', () => {
  it('maps a documented agent: UUID, serial, physical MACs, clean', () => {
    const device = mapAgent(S1_AGENT);
    assert.deepEqual(
      [device.edr?.connectorId, device.serialNumber, device.platform, device.edr?.status],
      ['9de5069c5afe602b2ea0a04b66beb2c0', 'PF2ABCDE', 'windows', 'clean'],
    );
    // The all-zero MAC of a tunnel adapter is a placeholder: dropped when staged.
    assert.deepEqual(toStagedRecord(device)?.macAddresses, ['122345678912']);
  });

  it('infected, active threats and network quarantine are compromised; decommissioned is unknown', () => {
    const status = (o: Record<string, unknown>) => mapAgent({ ...S1_AGENT, ...o }).edr?.status;
    assert.equal(status({ infected: true, activeThreats: 2 }), 'compromised');
    assert.equal(status({ activeThreats: 1 }), 'compromised');
    assert.equal(status({ networkStatus: 'disconnected' }), 'compromised');
    assert.equal(status({ isDecommissioned: true }), 'unknown');
    assert.equal(status({ infected: undefined }), 'unknown');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { mapMobileIronDevice, type MobileIronDevice } from '@devtrust/collector/sync/mobileiron-core/map';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { mobileIronHarness } from './harnesses.js';

describe('mobileiron-core: mapping documented v2 device records', () => {
  const [android, retired, windows] = loadFixture<{ results: MobileIronDevice[] }>('mobileiron-core-devices.json').results.map(
    mapMobileIronDevice,
  );

  it('reads the serial, Wi-Fi MAC, platform and owner of an active device; Core uuid is the external and MDM device ID', () => {
    assert.deepEqual(android, {
      externalId: '9b0da853-9f9b-483c-97ef-f4b5457299cf',
      serialNumber: 'R58N12ABCDE',
      mdmDeviceId: '9b0da853-9f9b-483c-97ef-f4b5457299cf',
      macAddresses: ['d0:c5:d3:4a:11:8e', null],
      deviceName: 'Galaxy S22',
      platform: 'android',
      owner: 'jane.roe@example.com',
      managed: true,
      posture: { osVersion: '13.0' },
      raw: { model: 'Galaxy S22', osVersion: '13.0', status: 'ACTIVE', lastConnectedAt: '2020-11-09T07:38:22.000Z' },
    });
  });

  it('marks a retired device unmanaged, names it from ios.DeviceName and falls back to the user ID', () => {
    assert.equal(retired?.managed, false);
    assert.equal(retired?.deviceName, "Jane's iPhone");
    assert.equal(retired?.owner, 'jroe');
    assert.equal(retired?.platform, 'ios');
  });

  it('accepts common.serial_number and both MACs of a Windows device', () => {
    assert.equal(windows?.serialNumber, 'PF3XAMPL');
    assert.equal(windows?.platform, 'windows');
    assert.deepEqual(toStagedRecord(windows!)?.macAddresses, ['3C22FB7A019E', '3C22FB7A019F']);
  });
});

describeSyncContract(mobileIronHarness);

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { mapKandjiDevice, type KandjiDevice } from '@devtrust/collector/sync/kandji/map';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { kandjiHarness } from './harnesses.js';

describe('kandji: mapping documented device-list records', () => {
  const [mac, ipad, appleTv, removed] = loadFixture<KandjiDevice[]>('kandji-devices.json').map(mapKandjiDevice);

  it('reads the serial, platform, owner and MDM state of a Mac', () => {
    assert.deepEqual(mac, {
      externalId: '5b5f3aa4-9fd7-4c0b-a40b-58f8c2a62b71',
      serialNumber: 'C02FK3YRMD6T',
      deviceName: "Bao's MacBook Pro",
      platform: 'macos',
      owner: 'bao.nguyen@accuhive.io',
      managed: true,
      posture: { osVersion: '14.4.1' },
      raw: { model: 'MacBook Pro (16-inch, 2021)', osVersion: '14.4.1', lastCheckIn: '2024-04-22T17:42:07.593299Z', agentInstalled: true },
    });
    assert.equal(mac?.hardwareUuid, undefined, 'the list endpoint carries no hardware UUID');
  });

  it('takes an unassigned device ("user": "") as ownerless and an iPad as iOS', () => {
    assert.equal(ipad?.owner, null);
    assert.equal(ipad?.platform, 'ios');
  });

  it('states no platform for an Apple TV', () => {
    assert.equal(appleTv?.platform, null);
    assert.equal(appleTv?.serialNumber, 'GY6XK2L9Q4');
  });

  it('marks a removed device unmanaged and falls back to the user name', () => {
    assert.equal(removed?.managed, false);
    assert.equal(removed?.owner, 'Former Employee');
    assert.equal(removed?.platform, 'ios');
  });
});

describeSyncContract(kandjiHarness);

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { matchDevice, type IdentifierLookup, type IntegrationView } from '@devtrust/collector/match/match';
import type { Integration } from '@devtrust/collector/domain/integration';
import type { StoredInventoryRecord } from '@devtrust/collector/domain/inventory';

const csv = {
  id: 'int_1',
  kind: 'csv',
  category: 'mdm',
  name: 'Corporate inventory',
  platforms: ['macos'],
  activation: { mode: 'all', groups: [] },
} as unknown as Integration;
const views: IntegrationView[] = [{ integration: csv, inactiveReason: null, matchMacAddresses: false }];
const record = { id: 'rec_1', integrationId: 'int_1', deviceName: 'LAPTOP-12', platform: 'macos' } as unknown as StoredInventoryRecord;
const serial = (endpointsReporting: number): IdentifierLookup => ({
  kind: 'serialNumber',
  value: 'C02X',
  records: [record],
  endpointsReporting,
});
const device = { platform: 'macos' as const, identifiers: { serialNumber: 'C02X' } };

/**
 * An identifier two endpoints report cannot tell them apart (match/match.ts). The reasons must
 * say so truly: no record is "missing" when none was looked for, and a blocked endpoint, which
 * counts against no other (EndpointsRepo.countReporting), does not make the value ambiguous for
 * the endpoint trusted through it.
 */
describe('matching identifiers another enrolled endpoint reports', () => {
  it('two counted endpoints: flagged, trusted through neither, and no record said to be missing', () => {
    const result = matchDevice(device, views, [serial(2)]);
    assert.equal(result.trusted, false);
    assert.deepEqual(result.reasons, [
      'untrusted: another enrolled endpoint reports every identifier this device reports, so none tells it apart (below)',
      'serial number C02X is reported by 2 enrolled endpoints; it is not used to trust any of them',
    ]);
    assert.deepEqual(result.flags, ['serial number C02X is reported by 2 enrolled endpoints; it is not used to trust any of them']);
  });

  it('a blocked endpoint sharing it: not trusted through it, and says the other is not affected; no duplicate flag', () => {
    const result = matchDevice({ ...device, blocked: true }, views, [serial(2)]);
    assert.equal(result.trusted, false);
    assert.deepEqual(result.reasons, [
      'untrusted: another enrolled endpoint reports every identifier this device reports, so none tells it apart (below)',
      'serial number C02X is also reported by another enrolled endpoint; this endpoint is blocked, so it does not count against it, and it is not used to trust this one',
    ]);
    assert.deepEqual(result.flags, []);
  });

  it('a blocked endpoint alone with it is matched as ever (a blocked stolen laptop still reads as identified)', () => {
    const result = matchDevice({ ...device, blocked: true }, views, [serial(1)]);
    assert.equal(result.trusted, true);
    assert.match(result.reasons[0] ?? '', /^trusted: serial number C02X matches record "LAPTOP-12"/);
  });

  it('another identifier still looked for is named as not matching; the shared one is said apart', () => {
    const uuid: IdentifierLookup = { kind: 'hardwareUuid', value: 'AAAA', records: [], endpointsReporting: 1 };
    const result = matchDevice({ ...device, identifiers: { ...device.identifiers, hardwareUuid: 'AAAA' } }, views, [uuid, serial(2)]);
    assert.deepEqual(result.reasons, [
      `untrusted: no record in "Corporate inventory" (csv) matches this device's hardware UUID`,
      'serial number C02X is reported by 2 enrolled endpoints; it is not used to trust any of them',
    ]);
  });
});

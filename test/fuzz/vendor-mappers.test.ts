import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { firstUnstorableText, normalizeIdentifier, PLATFORMS, unsafeCharacter } from '@devtrust/shared/identity';
import { mapComputer } from '@devtrust/collector/sync/cisco-secure-endpoint/map';
import { mapHost } from '@devtrust/collector/sync/crowdstrike/map';
import { mapIntuneDevice } from '@devtrust/collector/sync/intune/map';
import { mapJamfComputer, mapJamfMobileDevice } from '@devtrust/collector/sync/jamf-pro/map';
import { mapKandjiDevice } from '@devtrust/collector/sync/kandji/map';
import { VendorError } from '@devtrust/collector/sync/kit/vendor-error';
import { mapMobileIronDevice } from '@devtrust/collector/sync/mobileiron-core/map';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';
import { KINDS } from '@devtrust/collector/sync/registry';
import { mapAgent } from '@devtrust/collector/sync/sentinelone/map';
import type { SourceDevice } from '@devtrust/collector/sync/source';
import { mapWorkspaceOneDevice } from '@devtrust/collector/sync/workspace-one/map';
import { ampComputer } from '../../collector/test/vendors/edr/cisco-secure-endpoint.js';
import { falconHost } from '../../collector/test/vendors/edr/crowdstrike.js';
import { s1Agent } from '../../collector/test/vendors/edr/sentinelone.js';
import { intuneDevice } from '../../collector/test/vendors/mdm/intune.js';
import { jamfComputer, jamfMobileDevice } from '../../collector/test/vendors/mdm/jamf-pro.js';
import { kandjiDevice } from '../../collector/test/vendors/mdm/kandji.js';
import { mobileIronDevice } from '../../collector/test/vendors/mdm/mobileiron-core.js';
import { workspaceOneDevice } from '../../collector/test/vendors/mdm/workspace-one.js';
import { mutatedRecordText, RUNS } from './hostile.js';

/**
 * Every vendor's pure mapping (and the normalisation after it, which decides what is
 * stored) against vendor-shaped JSON with hostile values: huge strings, NUL, lone
 * surrogates, bidi controls, wrong types, deep nesting, `__proto__` members. Each record
 * maps to a record whose identifiers are clean and whose every text can be stored and
 * shown, or is refused with a VendorError; nothing else is thrown.
 *
 * The mappers build their raw extract flat (text and booleans), so hostile nesting never
 * reaches normalisation's general raw path here: collector/test/sync/raw-extract.test.ts holds
 * that path (a property here passed with its stack-overflow guard removed).
 */

type Mapper = (record: any) => SourceDevice;
const MAPPERS: Record<string, { seeds: unknown[]; maps: Mapper[] }> = {
  'workspace-one': { seeds: [workspaceOneDevice(0), workspaceOneDevice(1)], maps: [mapWorkspaceOneDevice] },
  'mobileiron-core': { seeds: [mobileIronDevice(0), mobileIronDevice(1)], maps: [mapMobileIronDevice] },
  intune: { seeds: [intuneDevice(0), intuneDevice(1)], maps: [mapIntuneDevice] },
  'jamf-pro': { seeds: [jamfComputer(0), jamfMobileDevice(0)], maps: [mapJamfComputer, mapJamfMobileDevice] },
  kandji: { seeds: [kandjiDevice(0), kandjiDevice(1)], maps: [mapKandjiDevice] },
  'cisco-secure-endpoint': { seeds: [ampComputer('0f6b7a2c-1d3e-4f50-8a9b-0c1d2e3f4a5b')], maps: [mapComputer] },
  crowdstrike: { seeds: [falconHost('4e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b')], maps: [mapHost] },
  sentinelone: { seeds: [s1Agent('a1b2c3d4e5f60718293a4b5c6d7e8f90')], maps: [mapAgent] },
};

const KINDS_OF: Record<string, 'hardwareUuid' | 'serialNumber' | 'machineGuid'> = {
  hardwareUuid: 'hardwareUuid',
  serialNumber: 'serialNumber',
  machineGuid: 'machineGuid',
};

/** The property, for one mapping and one record. */
function mapsCleanly(map: Mapper, text: string): void {
  let device: SourceDevice;
  try {
    device = map(JSON.parse(text));
  } catch (error) {
    assert.ok(
      error instanceof VendorError,
      `an untyped ${String((error as Error)?.name)}: ${String((error as Error)?.message).slice(0, 300)}`,
    );
    return;
  }
  const staged = toStagedRecord(device);
  if (staged === null) return;
  assert.equal(firstUnstorableText(staged), null, 'a stored text holds NUL or a lone surrogate');
  for (const [field, kind] of Object.entries(KINDS_OF)) {
    const value = staged[field as keyof typeof staged] as string | null;
    if (value === null) continue;
    assert.ok(value.length <= 256, `${field} of ${value.length} characters`);
    assert.equal(normalizeIdentifier(kind, value), value, `${field} is not in its normal form`);
  }
  for (const mac of staged.macAddresses ?? []) assert.match(mac, /^[0-9A-F]{12}$/);
  if (staged.edr?.connectorId) assert.ok(staged.edr.connectorId.length <= 256);
  for (const [field, value] of [
    ['deviceName', staged.deviceName],
    ['owner', staged.owner],
    ['edr.detail', staged.edr?.detail],
  ] as const) {
    if (value === null || value === undefined) continue;
    assert.ok([...value].length <= 500, `${field} of ${value.length} characters`);
    assert.equal(unsafeCharacter(value), null, `${field} holds a control or bidi character: ${JSON.stringify(value)}`);
  }
  const platform = staged.platform ?? null;
  if (platform !== null) assert.ok((PLATFORMS as readonly string[]).includes(platform), String(platform));
  assert.ok(staged.managed === null || typeof staged.managed === 'boolean');
  if (staged.edr) assert.ok(['compromised', 'clean', 'unknown'].includes(staged.edr.status));
  // What the store writes as JSON: it must encode, and stay bounded (2,000 code points, each escaped to at most 6).
  assert.ok(JSON.stringify(staged.raw ?? null).length <= 12_100);
}

describe('every vendor mapping against hostile vendor-shaped records', () => {
  it('covers every vendor of the registry', () => {
    const vendors = KINDS.map((k) => k.kind).filter((k) => k !== 'csv');
    assert.deepEqual(Object.keys(MAPPERS).sort(), vendors.sort());
  });

  for (const [vendor, { seeds, maps }] of Object.entries(MAPPERS)) {
    it(`${vendor}: ${RUNS} records per mapping`, () => {
      for (const map of maps) {
        fc.assert(
          fc.property(fc.oneof(...seeds.map((seed) => mutatedRecordText(seed))), (text) => mapsCleanly(map, text)),
          { numRuns: RUNS },
        );
      }
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateDeviceKey, mdmAssertionProof, randomToken } from '@devtrust/shared/crypto';
import { judgeAssertion, type AssertedCandidate } from '@devtrust/collector/match/assertion';
import type { IntegrationView, MatchResult } from '@devtrust/collector/match/match';
import type { Integration } from '@devtrust/collector/domain/integration';
import type { StoredInventoryRecord } from '@devtrust/collector/domain/inventory';
import { decide } from '@devtrust/collector/policy/decide';
import { DEFAULT_POLICY } from '@devtrust/collector/domain/policy';

const KEY = randomToken('dtc');
const OTHER_KEY = randomToken('dtc');
const device = generateDeviceKey();
const DEVICE_ID = '9b0da853-0001-4000-8000-f4b5457299cf';

const integration = (id: string, platforms: Integration['platforms'] = ['ios', 'android', 'macos']): Integration => ({
  id,
  kind: 'mobileiron-core',
  category: 'mdm',
  name: `Core ${id}`,
  platforms,
  config: {},
  secretFields: [],
  activation: { mode: 'all-users', groups: [] },
  currentGeneration: 'g',
  syncedAt: 1,
  schedule: null,
  nextSyncAt: null,
  createdAt: 1,
  updatedAt: 1,
});
const view = (i: Integration, inactiveReason: string | null = null): IntegrationView => ({
  integration: i,
  inactiveReason,
  matchMacAddresses: false,
});
const record = (id: string, integrationId: string, extra: Partial<StoredInventoryRecord> = {}): StoredInventoryRecord => ({
  id,
  integrationId,
  mdmDeviceId: '9B0DA853000140008000F4B5457299CF',
  platform: 'ios',
  managed: true,
  deviceName: `phone ${id}`,
  ...extra,
});
const untrusted: MatchResult = { trusted: false, match: null, reasons: ['untrusted: the device reported no usable identifier'], flags: [] };
const proof = (key = KEY, deviceId = DEVICE_ID, publicKey = device.publicKey) => mdmAssertionProof(key, deviceId, publicKey);
const judge = (
  candidates: AssertedCandidate[],
  options: { match?: MatchResult; views?: IntegrationView[]; proof?: string; platform?: 'ios' | 'macos' } = {},
) =>
  judgeAssertion(
    options.match ?? untrusted,
    {
      assertion: { deviceId: DEVICE_ID, proof: options.proof ?? proof() },
      publicKey: device.publicKey,
      platform: options.platform ?? 'ios',
      candidates,
    },
    options.views ?? [view(integration('a')), view(integration('b'))],
  );

describe('judgeAssertion: when an MDM-asserted identity is trusted', () => {
  it('a proof made with the integration key for this device key asserts the record', () => {
    const out = judge([{ record: record('r1', 'a'), key: KEY }]);
    assert.equal(out.assurance, 'mdm_asserted');
    assert.equal(out.match.trusted, true);
    assert.deepEqual([out.match.match?.recordId, out.match.match?.kind], ['r1', 'mdmDeviceId']);
    assert.ok(!out.match.reasons.some((r) => r.startsWith('untrusted:')), 'the identifiers headline gives way');
  });

  const refusals: [string, () => ReturnType<typeof judge>, RegExp][] = [
    ['a wrong key', () => judge([{ record: record('r1', 'a'), key: OTHER_KEY }]), /does not verify/],
    [
      'no key on the integration yet',
      () => judge([{ record: record('r1', 'a'), key: null }]),
      /no trusted endpoints configuration key yet/,
    ],
    [
      'a proof for another device key',
      () => judge([{ record: record('r1', 'a'), key: KEY }], { proof: proof(KEY, DEVICE_ID, generateDeviceKey().publicKey) }),
      /does not verify/,
    ],
    [
      'a proof for another device ID',
      () => judge([{ record: record('r1', 'a'), key: KEY }], { proof: proof(KEY, 'another-device') }),
      /does not verify/,
    ],
    ['an unmanaged record', () => judge([{ record: record('r1', 'a', { managed: false }), key: KEY }]), /not managed there/],
    [
      'a record of another platform',
      () => judge([{ record: record('r1', 'a', { platform: 'android' }), key: KEY }]),
      /for a android device, but this device reports ios/,
    ],
    [
      'two records of one integration',
      () =>
        judge([
          { record: record('r1', 'a'), key: KEY },
          { record: record('r2', 'a'), key: KEY },
        ]),
      /held by 2 records/,
    ],
    [
      'an integration not active for the user',
      () => judge([{ record: record('r1', 'a'), key: KEY }], { views: [view(integration('a'), 'disabled')] }),
      /no record of an MDM integration that applies/,
    ],
    [
      'an integration not covering the platform',
      () => judge([{ record: record('r1', 'a'), key: KEY }], { views: [view(integration('a', ['macos']))] }),
      /no record of an MDM integration that applies/,
    ],
    ['no record at all', () => judge([]), /no record of an MDM integration that applies holds MDM device ID/],
  ];
  for (const [what, run, reason] of refusals) {
    it(`never with ${what}`, () => {
      const out = run();
      assert.equal(out.assurance, null);
      assert.equal(out.match.trusted, false);
      assert.match(out.match.reasons.join('\n'), reason);
    });
  }

  it('an unfilled MDM variable is named as such', () => {
    const out = judgeAssertion(
      untrusted,
      {
        assertion: { deviceId: '$DEVICE_UUID$', proof: proof(KEY, '$DEVICE_UUID$') },
        publicKey: device.publicKey,
        platform: 'ios',
        candidates: [],
      },
      [],
    );
    assert.match(out.match.reasons.join('\n'), /"\$DEVICE_UUID\$" is an MDM variable the MDM did not fill in/);
  });

  it('with identifiers matched: the same record asserts, another record or a flag does not', () => {
    const matched = (recordId: string, flags: string[] = []): MatchResult => ({
      trusted: true,
      match: {
        integrationId: 'a',
        integrationName: 'Core a',
        integrationKind: 'mobileiron-core',
        recordId,
        deviceName: null,
        kind: 'serialNumber',
        value: 'S',
      },
      reasons: ['trusted: serial number S matches record'],
      flags,
    });
    const candidates = [{ record: record('r1', 'a', { platform: 'macos' }), key: KEY }];
    assert.equal(judge(candidates, { match: matched('r1'), platform: 'macos' }).assurance, 'mdm_asserted');
    const other = judge(candidates, { match: matched('r9'), platform: 'macos' });
    assert.deepEqual([other.assurance, other.match.match?.recordId], ['identifiers', 'r9']);
    assert.match(
      other.match.reasons[1] as string,
      /^assurance: trusted by identifiers; MDM-asserted identity not used: it names another record/,
    );
    assert.equal(judge(candidates, { match: matched('r1', ['flagged']), platform: 'macos' }).assurance, 'identifiers');
  });
});

describe('decide(): requireAssurance', () => {
  const trusted: MatchResult = { trusted: true, match: null, reasons: ['trusted: x'], flags: [] };
  const table: [
    string,
    'allow-all' | 'require-trusted',
    'identifiers' | 'mdm_asserted',
    'identifiers' | 'mdm_asserted',
    string,
    string | null,
  ][] = [
    ['strict, identifiers only', 'require-trusted', 'mdm_asserted', 'identifiers', 'deny', null],
    ['strict, asserted', 'require-trusted', 'mdm_asserted', 'mdm_asserted', 'allow', 'mdm_asserted'],
    ['default, identifiers', 'require-trusted', 'identifiers', 'identifiers', 'allow', 'identifiers'],
    ['allow-all, strict, identifiers only: allowed, recorded untrusted', 'allow-all', 'mdm_asserted', 'identifiers', 'allow', null],
  ];
  for (const [what, mode, requireAssurance, assurance, access, level] of table) {
    it(what, () => {
      const v = decide({
        policy: { ...DEFAULT_POLICY, trustedEndpoints: mode, requireAssurance },
        blocked: false,
        match: trusted,
        edr: null,
        assurance,
      });
      assert.deepEqual([v.access, v.assurance], [access, level]);
      assert.equal(
        v.reasons.some((r) => r.startsWith('rule requireAssurance=')),
        requireAssurance === 'mdm_asserted',
      );
    });
  }
});

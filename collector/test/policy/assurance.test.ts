import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DEFAULT_POLICY } from '@devtrust/collector/domain/policy';
import type { MatchResult } from '@devtrust/collector/match/match';
import { assureMatch, formatAge } from '@devtrust/collector/policy/assurance';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 9, 0, 0);
const trusted: MatchResult = {
  trusted: true,
  match: {
    integrationId: 'int_1',
    integrationName: 'Inv',
    integrationKind: 'csv',
    recordId: 'rec_1',
    deviceName: 'mbp',
    kind: 'serialNumber',
    value: 'C02X',
  },
  reasons: ['trusted: serial number C02X matches record "mbp" of integration "Inv" (csv)'],
  flags: [],
};
const untrusted: MatchResult = { trusted: false, match: null, reasons: ['untrusted: no record matches'], flags: [] };

describe('identity assurance on top of a match', () => {
  it('table: age × limit × key kind × requirement', () => {
    const cases: Array<[string, MatchResult, number, number, 'software' | 'secure-enclave' | 'tpm', boolean, boolean]> = [
      // name, match, age (h), limit (h), key kind, requireHardwareKey, trusted after
      ['fresh, default', trusted, 1, 72, 'software', false, true],
      ['exactly at the limit', trusted, 72, 72, 'software', false, true],
      ['past the limit', trusted, 72.01, 72, 'software', false, false],
      ['no limit', trusted, 24 * 400, 0, 'software', false, true],
      ['hardware required, software key', trusted, 1, 72, 'software', true, false],
      ['hardware required, TPM key', trusted, 1, 72, 'tpm', true, true],
      ['hardware required, Secure Enclave key', trusted, 1, 72, 'secure-enclave', true, true],
      ['untrusted stays untrusted', untrusted, 1, 72, 'tpm', true, false],
      ['a clock ahead of the collector counts as fresh', trusted, -2, 1, 'software', false, true],
    ];
    for (const [name, match, ageHours, limit, keyKind, requireHardwareKey, expected] of cases) {
      const out = assureMatch(match, { lastSeenAt: NOW - ageHours * HOUR, keyKind }, { maxReportAgeHours: limit, requireHardwareKey }, NOW);
      assert.equal(out.trusted, expected, name);
      assert.equal(out.match, match.match, `${name}: the matched record is kept`);
      assert.equal(out.reasons.filter((r) => r.startsWith('rule maxReportAgeHours=')).length, 1, name);
      assert.equal(out.reasons.filter((r) => r.startsWith('rule requireHardwareKey=')).length, 1, name);
    }
  });

  it('says since when and for how long, and keeps what matched as a note', () => {
    const lastSeenAt = NOW - (4 * 24 + 2) * HOUR;
    const out = assureMatch(trusted, { lastSeenAt, keyKind: 'software' }, DEFAULT_POLICY, NOW);
    assert.deepEqual(out.reasons, [
      'untrusted: not seen since 2026-11-26T07:00:00.000Z (4 d 2 h ago); the policy trusts a device for 72 h after its last report',
      'matched, but not trusted: serial number C02X matches record "mbp" of integration "Inv" (csv)',
      'rule maxReportAgeHours=72: last report 4 d 2 h ago (fail)',
      'rule requireHardwareKey=off: not required (the agent reports a software key)',
    ]);
  });

  it('both failing give both reasons', () => {
    const out = assureMatch(
      trusted,
      { lastSeenAt: NOW - 100 * HOUR, keyKind: 'software' },
      { maxReportAgeHours: 24, requireHardwareKey: true },
      NOW,
    );
    assert.equal(out.trusted, false);
    assert.match(out.reasons[0] ?? '', /^untrusted: not seen since/);
    assert.match(out.reasons[1] ?? '', /^untrusted: the policy requires a hardware-backed device key/);
  });

  it('formats ages for people', () => {
    const cases: Array<[number, string]> = [
      [0, 'under a minute'],
      [59_000, 'under a minute'],
      [4 * 60_000, '4 min'],
      [HOUR, '1 h'],
      [HOUR + 10 * 60_000, '1 h 10 min'],
      [24 * HOUR, '1 d'],
      [50 * HOUR, '2 d 2 h'],
    ];
    for (const [ms, text] of cases) assert.equal(formatAge(ms), text, String(ms));
  });
});

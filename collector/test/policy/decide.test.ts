import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { MatchResult } from '@devtrust/collector/match/match';
import { deniedMatch, releasedMatch } from '@devtrust/collector/match/approval';
import type { Endpoint } from '@devtrust/collector/domain/endpoint';
import { DECISION_TABLE, decide, type EdrAssessment } from '@devtrust/collector/policy/decide';
import { compareVersions, type DeviceHealth } from '@devtrust/collector/policy/health';
import { effectivePolicy } from '@devtrust/collector/policy/effective';
import type { Application } from '@devtrust/collector/domain/application';
import { DEFAULT_POLICY, type Policy } from '@devtrust/collector/domain/policy';

const trustedMatch: MatchResult = { trusted: true, match: null, reasons: ['trusted: serial number X matches record "LAPTOP"'], flags: [] };
const untrustedMatch: MatchResult = { trusted: false, match: null, reasons: ['untrusted: no record matches'], flags: [] };
const edr = (status: EdrAssessment['status']): EdrAssessment => ({ status, reasons: [`EDR status: ${status}`] });
const policy = (p: Partial<Policy>): Policy => ({ ...DEFAULT_POLICY, ...p });
const healthy: DeviceHealth = { platform: 'windows', osVersion: '10.0.22631', posture: { diskEncryption: true, firewall: true } };

describe('decide(): the Cisco Secure Endpoint table, every combination', () => {
  // policy × blockCompromised × trusted × EDR status → access (SPEC "Trust verdicts").
  const expected = (mode: string, block: boolean, trusted: boolean, status: string): 'allow' | 'deny' => {
    if (mode === 'allow-all') return 'allow';
    if (!trusted) return 'deny';
    return block && status === 'compromised' ? 'deny' : 'allow';
  };
  for (const mode of ['allow-all', 'require-trusted'] as const) {
    for (const blockCompromised of [false, true]) {
      for (const trusted of [true, false]) {
        for (const status of ['compromised', 'clean', 'unknown'] as const) {
          it(`${mode}, blockCompromised ${blockCompromised ? 'on' : 'off'}, ${trusted ? 'trusted' : 'untrusted'}, EDR ${status}`, () => {
            const v = decide({
              policy: policy({ trustedEndpoints: mode, blockCompromised }),
              blocked: false,
              match: trusted ? trustedMatch : untrustedMatch,
              edr: edr(status),
              device: healthy,
            });
            assert.equal(v.access, expected(mode, blockCompromised, trusted, status));
            assert.equal(v.verdict, trusted && !(blockCompromised && status === 'compromised') ? 'trusted' : 'untrusted');
            assert.match(v.reasons[0] as string, v.access === 'allow' ? /^allowed: / : /^denied: /);
            // A denial names its cause first: the failed match, or the EDR finding that denied a matched device.
            const edrDenied = v.access === 'deny' && trusted;
            assert.equal(
              v.reasons[1],
              edrDenied ? 'rule blockCompromised=on: EDR status compromised (fail)' : (trusted ? trustedMatch : untrustedMatch).reasons[0],
            );
            if (edrDenied)
              assert.ok(v.reasons.includes('identifier match: serial number X matches record "LAPTOP" (pass)'), v.reasons.join('\n'));
            assert.ok(v.reasons.some((r) => r.startsWith(`rule blockCompromised=${blockCompromised ? 'on' : 'off'}`)));
            assert.ok(v.reasons.some((r) => r.startsWith(`rule trustedEndpoints=${mode}`)));
            assert.ok(v.reasons.includes(`EDR status: ${status}`));
          });
        }
      }
    }
  }
});

describe('decide(): rules beyond the table', () => {
  it('a blocked endpoint is denied whatever else holds, even under allow-all', () => {
    const v = decide({ policy: policy({}), blocked: true, match: trustedMatch, edr: edr('clean'), device: healthy });
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.match(v.reasons[0] as string, /blocked/);
  });

  it('a blocked endpoint lists the block as the reason (and the trust rule it fails); its passing MAC match reads as passing, after it', () => {
    const byMac: MatchResult = {
      trusted: true,
      match: null,
      reasons: ['trusted: MAC address 02FC00000042 matches record "linux-box" of integration "Lab" (csv)'],
      flags: [],
    };
    const v = decide({ policy: policy({ trustedEndpoints: 'require-trusted' }), blocked: true, match: byMac, edr: null, device: healthy });
    assert.deepEqual(v.reasons.slice(0, 3), [
      'denied: an administrator blocked this endpoint',
      'rule endpoint block: an administrator blocked this endpoint (fail)',
      'rule trustedEndpoints=require-trusted: device not trusted: this endpoint is blocked (fail)',
    ]);
    // Nothing after the causes reads as another cause: no failing line, no bare "trusted:" claim.
    const rest = v.reasons.slice(3);
    assert.ok(rest.includes('identifier match: MAC address 02FC00000042 matches record "linux-box" of integration "Lab" (csv) (pass)'));
    assert.ok(!rest.some((r) => r.startsWith('trusted: ') || r.endsWith('(fail)')), rest.join('\n'));
    // Allowed, the same match is the reason it is trusted, as before.
    const allowed = decide({
      policy: policy({ trustedEndpoints: 'require-trusted' }),
      blocked: false,
      match: byMac,
      edr: null,
      device: healthy,
    });
    assert.equal(allowed.reasons[1], byMac.reasons[0]);
  });

  it('a blocked endpoint is not a trusted device: the trust rule fails naming the block, never passes beside it', () => {
    for (const mode of ['allow-all', 'require-trusted'] as const) {
      for (const blockCompromised of [false, true]) {
        const p = policy({ trustedEndpoints: mode, blockCompromised, requireAssurance: 'mdm_asserted' });
        const v = decide({ policy: p, blocked: true, match: trustedMatch, edr: edr('clean'), device: healthy });
        const text = v.reasons.join('\n');
        assert.deepEqual([v.verdict, v.access, v.assurance], ['untrusted', 'deny', null]);
        assert.ok(
          !v.reasons.some((r) => r.startsWith('rule trustedEndpoints=') && / trusted\b(?!:)/.test(r) && !r.includes('not trusted')),
          text,
        );
        assert.ok(!v.reasons.some((r) => r.startsWith('rule requireAssurance=')), text);
        if (mode === 'require-trusted') {
          // The block first, then the trust rule it fails: both causes, nothing passing between them.
          assert.deepEqual(v.reasons.slice(0, 3), [
            'denied: an administrator blocked this endpoint',
            'rule endpoint block: an administrator blocked this endpoint (fail)',
            'rule trustedEndpoints=require-trusted: device not trusted: this endpoint is blocked (fail)',
          ]);
        } else {
          assert.ok(
            v.reasons.includes(
              'rule trustedEndpoints=allow-all: untrusted devices are allowed and recorded (device not trusted: this endpoint is blocked)',
            ),
            text,
          );
        }
      }
    }
    // The same match, not blocked, still passes the rule.
    const allowed = decide({
      policy: policy({ trustedEndpoints: 'require-trusted' }),
      blocked: false,
      match: trustedMatch,
      edr: null,
      device: healthy,
    });
    assert.ok(allowed.reasons.includes('rule trustedEndpoints=require-trusted: device trusted (pass)'), allowed.reasons.join('\n'));
  });

  it('a denied or released endpoint: its own reason is the block\'s cause, said once, with no bare "blocked" beside it', () => {
    for (const { endpoint, match } of [
      {
        endpoint: { approval: 'denied', approvalClaims: [{ kind: 'serialNumber', value: 'C02X', heldBy: ['ep_real'] }], blocked: true },
        match: deniedMatch,
      },
      { endpoint: { releasedAt: Date.UTC(2026, 11, 1), approval: null, blocked: true }, match: releasedMatch },
    ]) {
      const standing = match(endpoint as unknown as Endpoint) as MatchResult;
      for (const mode of ['allow-all', 'require-trusted'] as const) {
        const v = decide({ policy: policy({ trustedEndpoints: mode }), blocked: true, match: standing, edr: null, device: healthy });
        assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
        assert.deepEqual(
          v.reasons.slice(0, 2),
          ['denied: an administrator blocked this endpoint', standing.reasons[0]],
          v.reasons.join('\n'),
        );
        assert.match(standing.reasons[0] as string, /(denied, it is blocked|blocked for good): every sign-in from it is denied$/);
        assert.equal(v.reasons.filter((r) => r === standing.reasons[0]).length, 1, v.reasons.join('\n'));
        assert.ok(!v.reasons.some((r) => r.startsWith('rule endpoint block: ')), v.reasons.join('\n'));
      }
    }
  });

  it('a denial for a failed health check lists the failing rule as its cause and the passing ones after it', () => {
    const v = decide({
      policy: policy({ trustedEndpoints: 'require-trusted', requireFirewall: true, requireDiskEncryption: true }),
      blocked: false,
      match: trustedMatch,
      edr: null,
      device: { ...healthy, posture: { diskEncryption: true, firewall: false } },
    });
    assert.equal(v.access, 'deny');
    assert.match(v.reasons[1] as string, /^rule requireFirewall=on: .*\(fail\)$/);
    assert.ok(
      v.reasons.slice(2).every((r) => !r.endsWith('(fail)')),
      v.reasons.join('\n'),
    );
    assert.ok(
      v.reasons.some((r) => /^rule requireDiskEncryption=on: .*\(pass\)$/.test(r)),
      v.reasons.join('\n'),
    );
  });

  it('an unknown EDR status says what require-trusted does with it', () => {
    const allow = decide({
      policy: policy({ trustedEndpoints: 'require-trusted', blockCompromised: true }),
      blocked: false,
      match: trustedMatch,
      edr: edr('unknown'),
    });
    assert.equal(allow.access, 'allow');
    assert.ok(allow.reasons.some((r) => /edrUnknown=allow, so an unknown status does not deny a trusted device/.test(r)));
    const deny = decide({
      policy: policy({ trustedEndpoints: 'require-trusted', blockCompromised: true, edrUnknown: 'deny' }),
      blocked: false,
      match: trustedMatch,
      edr: edr('unknown'),
    });
    assert.deepEqual([deny.verdict, deny.access], ['untrusted', 'deny']);
    assert.match(deny.reasons[0] as string, /unknown and the policy sets edrUnknown=deny/);
  });

  it('edrUnknown=deny never turns "no EDR applies" into a denial', () => {
    const v = decide({
      policy: policy({ trustedEndpoints: 'require-trusted', blockCompromised: true, edrUnknown: 'deny' }),
      blocked: false,
      match: trustedMatch,
      edr: edr('none'),
    });
    assert.equal(v.access, 'allow');
    assert.ok(v.reasons.includes('rule blockCompromised=on: no EDR integration applies to this user and device'));
  });

  it('with blockCompromised off a compromised device is allowed, and the reason says the EDR verdict was not used', () => {
    const v = decide({
      policy: policy({ trustedEndpoints: 'require-trusted' }),
      blocked: false,
      match: trustedMatch,
      edr: edr('compromised'),
    });
    assert.equal(v.access, 'allow');
    assert.ok(v.reasons.some((r) => /blockCompromised=off: an EDR reports this device compromised, but that does not deny/.test(r)));
  });

  const healthCases: [string, Partial<Policy>, DeviceHealth | null, RegExp][] = [
    [
      'disk encryption off',
      { requireDiskEncryption: true },
      { ...healthy, posture: { diskEncryption: false } },
      /requireDiskEncryption=on: disk encryption is off, reported by the agent \(fail\)/,
    ],
    [
      'disk encryption not reported',
      { requireDiskEncryption: true },
      { ...healthy, posture: {} },
      /neither the agent nor an integration reports disk encryption \(fail\)/,
    ],
    [
      'firewall off',
      { requireFirewall: true },
      { ...healthy, posture: { firewall: false } },
      /requireFirewall=on: the firewall is off, reported by the agent \(fail\)/,
    ],
    [
      'an old Windows',
      { minOsVersion: { windows: '10.0.22631' } },
      { ...healthy, osVersion: '10.0.19045' },
      /windows 10.0.22631 required, the device runs 10.0.19045, reported by the agent \(fail\)/,
    ],
    [
      'an old macOS',
      { minOsVersion: { macos: '14.0' } },
      { platform: 'macos', osVersion: '13.6.1', posture: {} },
      /macos 14.0 required, the device runs 13.6.1, reported by the agent \(fail\)/,
    ],
    [
      'no OS version',
      { minOsVersion: { macos: '14.0' } },
      { platform: 'macos', osVersion: null, posture: {} },
      /neither the agent nor an integration reports the OS version \(fail\)/,
    ],
    ['no report at all', { requireFirewall: true }, null, /neither the agent nor an integration reports the firewall \(fail\)/],
  ];
  for (const [name, rules, device, reason] of healthCases) {
    it(`failing health (${name}) denies a trusted device under require-trusted and is recorded under allow-all`, () => {
      const strict = decide({
        policy: policy({ trustedEndpoints: 'require-trusted', ...rules }),
        blocked: false,
        match: trustedMatch,
        edr: null,
        device,
      });
      assert.deepEqual([strict.verdict, strict.access], ['untrusted', 'deny']);
      assert.match(strict.reasons[0] as string, /fails a required health check/);
      assert.ok(
        strict.reasons.some((r) => reason.test(r)),
        strict.reasons.join('\n'),
      );
      const open = decide({
        policy: policy({ trustedEndpoints: 'allow-all', ...rules }),
        blocked: false,
        match: trustedMatch,
        edr: null,
        device,
      });
      assert.deepEqual([open.verdict, open.access], ['untrusted', 'allow']);
    });
  }

  it('passing health allows, and every rule reports its outcome', () => {
    const rules = {
      trustedEndpoints: 'require-trusted' as const,
      requireDiskEncryption: true,
      requireFirewall: true,
      minOsVersion: { windows: '10.0.19045', macos: '14.0' },
    };
    const v = decide({ policy: policy(rules), blocked: false, match: trustedMatch, edr: null, device: healthy });
    assert.deepEqual([v.verdict, v.access], ['trusted', 'allow']);
    for (const r of [
      /requireDiskEncryption=on: disk encryption is on, reported by the agent \(pass\)/,
      /requireFirewall=on: the firewall is on, reported by the agent \(pass\)/,
      /windows 10.0.19045 required, the device runs 10.0.22631, reported by the agent \(pass\)/,
    ]) {
      assert.ok(
        v.reasons.some((x) => r.test(x)),
        String(r),
      );
    }
  });

  it('an untrusted device is denied under require-trusted whatever its health and EDR', () => {
    const v = decide({
      policy: policy({ trustedEndpoints: 'require-trusted', blockCompromised: true }),
      blocked: false,
      match: untrustedMatch,
      edr: edr('clean'),
      device: healthy,
    });
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny']);
    assert.match(v.reasons[0] as string, /not trusted/);
  });

  it('the table ends in catch-all rows for both modes', () => {
    const last = DECISION_TABLE.filter((r) => Object.keys(r.when).length === 1);
    assert.deepEqual(
      last.map((r) => [r.when.mode ?? 'blocked', r.access]),
      [
        ['blocked', 'deny'],
        ['allow-all', 'allow'],
        ['require-trusted', 'allow'],
      ],
    );
  });
});

describe('policy helpers', () => {
  it('compares dotted versions part by part', () => {
    assert.equal(compareVersions('10.0.22631', '10.0.19045'), 1);
    assert.equal(compareVersions('14.0', '14'), 0);
    assert.equal(compareVersions('13.6.1', '14.0'), -1);
    assert.equal(compareVersions('10.0.19045.3803', '10.0.19045'), 1);
    assert.equal(compareVersions('Sonoma', '14.0'), null);
  });

  it('an application overrides the global policy key by key; null inherits', () => {
    const app = { policy: { trustedEndpoints: 'require-trusted', requireFirewall: null } } as unknown as Application;
    const p = effectivePolicy({ ...DEFAULT_POLICY, requireFirewall: true, minOsVersion: { macos: '14.0' } }, app);
    assert.equal(p.trustedEndpoints, 'require-trusted');
    assert.equal(p.requireFirewall, true);
    assert.deepEqual(p.minOsVersion, { macos: '14.0' });
  });
});

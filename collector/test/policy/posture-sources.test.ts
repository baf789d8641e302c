import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { MatchResult } from '@devtrust/collector/match/match';
import { decide } from '@devtrust/collector/policy/decide';
import type { DeviceHealth, PostureSource } from '@devtrust/collector/policy/health';
import { dottedVersion, storedVendorPosture } from '@devtrust/collector/policy/vendor-posture';
import { DEFAULT_POLICY, type Policy } from '@devtrust/collector/domain/policy';

const trusted: MatchResult = { trusted: true, match: null, reasons: ['trusted: serial number X matches record "LAPTOP"'], flags: [] };
const strict = (p: Partial<Policy>): Policy => ({ ...DEFAULT_POLICY, trustedEndpoints: 'require-trusted', ...p });
const INTUNE = 'Microsoft Intune "Corp Intune"';
const FALCON = 'CrowdStrike Falcon "Falcon"';
const device = (agent: Partial<DeviceHealth>, integrations: PostureSource[] = []): DeviceHealth => ({
  platform: 'windows',
  osVersion: null,
  posture: {},
  ...agent,
  integrations,
});

/**
 * Which source a health rule believes, and how the reason names it: the agent's report is
 * self-reported, so an MDM (then an EDR) stating the same fact wins, and the reason says who.
 */
describe('health rules: agent-reported vs integration-reported posture', () => {
  const cases: [string, Partial<Policy>, DeviceHealth, 'allow' | 'deny', string][] = [
    [
      'agent only, encryption on',
      { requireDiskEncryption: true },
      device({ posture: { diskEncryption: true } }),
      'allow',
      'rule requireDiskEncryption=on: disk encryption is on, reported by the agent (pass)',
    ],
    [
      'agent only, encryption off',
      { requireDiskEncryption: true },
      device({ posture: { diskEncryption: false } }),
      'deny',
      'rule requireDiskEncryption=on: disk encryption is off, reported by the agent (fail)',
    ],
    [
      'agent says on, the MDM says off: the MDM wins',
      { requireDiskEncryption: true },
      device({ posture: { diskEncryption: true } }, [{ label: INTUNE, diskEncryption: false }]),
      'deny',
      `rule requireDiskEncryption=on: disk encryption is off, reported by ${INTUNE}; the agent reports on (fail)`,
    ],
    [
      'agent says off, the MDM says on: the MDM wins',
      { requireDiskEncryption: true },
      device({ posture: { diskEncryption: false } }, [{ label: INTUNE, diskEncryption: true }]),
      'allow',
      `rule requireDiskEncryption=on: disk encryption is on, reported by ${INTUNE}; the agent reports off (pass)`,
    ],
    [
      'agent silent, the MDM says on',
      { requireDiskEncryption: true },
      device({}, [{ label: INTUNE, diskEncryption: true }]),
      'allow',
      `rule requireDiskEncryption=on: disk encryption is on, reported by ${INTUNE} (pass)`,
    ],
    [
      'the MDM agrees with the agent',
      { requireDiskEncryption: true },
      device({ posture: { diskEncryption: true } }, [{ label: INTUNE, diskEncryption: true }]),
      'allow',
      `rule requireDiskEncryption=on: disk encryption is on, reported by ${INTUNE} (pass)`,
    ],
    [
      'an integration that does not state the fact leaves it to the agent',
      { requireFirewall: true },
      device({ posture: { firewall: true } }, [{ label: INTUNE, diskEncryption: true, firewall: null }]),
      'allow',
      'rule requireFirewall=on: the firewall is on, reported by the agent (pass)',
    ],
    [
      'nobody reports it',
      { requireDiskEncryption: true },
      device({}, [{ label: INTUNE, osVersion: '10.0.22631' }]),
      'deny',
      'rule requireDiskEncryption=on: neither the agent nor an integration reports disk encryption (fail)',
    ],
    [
      'agent only, OS version',
      { minOsVersion: { windows: '10.0.22631' } },
      device({ osVersion: '10.0.22631.3447' }),
      'allow',
      'rule minOsVersion: windows 10.0.22631 required, the device runs 10.0.22631.3447, reported by the agent (pass)',
    ],
    [
      'the agent claims a newer OS than the MDM inventoried',
      { minOsVersion: { windows: '10.0.22631' } },
      device({ osVersion: '10.0.22631.3447' }, [{ label: INTUNE, osVersion: '10.0.19045.3803' }]),
      'deny',
      `rule minOsVersion: windows 10.0.22631 required, the device runs 10.0.19045.3803, reported by ${INTUNE}; the agent reports 10.0.22631.3447 (fail)`,
    ],
    [
      'an EDR reports the OS version when no MDM does',
      { minOsVersion: { windows: '10.0.22631' } },
      device({ osVersion: '10.0.19045' }, [
        { label: INTUNE, diskEncryption: true },
        { label: FALCON, osVersion: '10.0.22631.3447' },
      ]),
      'allow',
      `rule minOsVersion: windows 10.0.22631 required, the device runs 10.0.22631.3447, reported by ${FALCON}; the agent reports 10.0.19045 (pass)`,
    ],
    [
      'the MDM comes before the EDR',
      { minOsVersion: { windows: '10.0.22631' } },
      device({}, [
        { label: INTUNE, osVersion: '10.0.22631.1' },
        { label: FALCON, osVersion: '10.0.19045' },
      ]),
      'allow',
      `rule minOsVersion: windows 10.0.22631 required, the device runs 10.0.22631.1, reported by ${INTUNE} (pass)`,
    ],
  ];
  for (const [name, rules, health, access, reason] of cases) {
    it(name, () => {
      const v = decide({ policy: strict(rules), blocked: false, match: trusted, edr: null, device: health });
      assert.equal(v.access, access, v.reasons.join('\n'));
      assert.ok(v.reasons.includes(reason), `missing "${reason}" in:\n${v.reasons.join('\n')}`);
    });
  }

  it('keeps only dotted OS versions of a vendor: names and bare build numbers cannot be compared', () => {
    assert.equal(dottedVersion('14.4.1 (23E224)'), '14.4.1');
    assert.equal(dottedVersion('10.0.22631.3447'), '10.0.22631.3447');
    assert.equal(dottedVersion('Windows 11'), null);
    assert.equal(dottedVersion('22631'), null);
    assert.deepEqual(storedVendorPosture({ diskEncryption: false, osVersion: 'Windows 11' }), {
      diskEncryption: false,
      firewall: null,
      osVersion: null,
    });
    assert.equal(storedVendorPosture({ osVersion: 'Ventura (13)' }), null);
  });
});

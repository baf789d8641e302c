import type { Platform, Posture } from '@devtrust/shared/identity';
import type { Endpoint, MinOsVersions, Policy } from '../store/types.js';

/** What the health rules look at: the agent's latest report. */
export interface DeviceHealth {
  platform: Platform | null;
  osVersion: string | null;
  posture: Posture;
}

export interface HealthOutcome {
  rule: 'requireDiskEncryption' | 'requireFirewall' | 'minOsVersion';
  outcome: 'pass' | 'fail' | 'off';
  reason: string;
}

export function deviceHealthOf(endpoint: Endpoint | null): DeviceHealth | null {
  const report = endpoint?.report;
  if (!report) return null;
  return { platform: report.identity.platform ?? null, osVersion: report.identity.osVersion ?? null, posture: report.posture ?? {} };
}

/** Numeric dotted versions ("10.0.19045", "14.4.1"); missing parts count as 0. Null when not a version. */
export function compareVersions(a: string, b: string): number | null {
  const parse = (v: string): number[] | null => {
    const match = /^\s*(\d+(?:\.\d+)*)/.exec(v);
    return match ? (match[1] as string).split('.').map(Number) : null;
  };
  const left = parse(a);
  const right = parse(b);
  if (!left || !right) return null;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

const LABELS = { diskEncryption: 'disk encryption', firewall: 'the firewall' } as const;

/**
 * A required check passes only when the agent reported the setting on: a setting the
 * agent could not read fails, because "could not tell" is not evidence of health.
 */
function postureRule(rule: HealthOutcome['rule'], required: boolean, key: keyof typeof LABELS, device: DeviceHealth | null): HealthOutcome {
  const label = LABELS[key];
  if (!required) return { rule, outcome: 'off', reason: `rule ${rule}=off: not required` };
  const value = device?.posture[key];
  if (value === true) return { rule, outcome: 'pass', reason: `rule ${rule}=on: ${label} is on (pass)` };
  if (value === false) return { rule, outcome: 'fail', reason: `rule ${rule}=on: ${label} is off (fail)` };
  return { rule, outcome: 'fail', reason: `rule ${rule}=on: the agent did not report ${label} (fail)` };
}

function osRule(minimums: MinOsVersions, device: DeviceHealth | null): HealthOutcome {
  const rule = 'minOsVersion';
  const platform = device?.platform ?? null;
  const minimum = platform === 'windows' || platform === 'macos' ? minimums[platform] : undefined;
  if (minimum === undefined) {
    const set = Object.entries(minimums)
      .map(([p, v]) => `${p} ${v}`)
      .join(', ');
    return {
      rule,
      outcome: 'off',
      reason: `rule minOsVersion: no minimum for ${platform ?? 'an unknown platform'}${set ? ` (set: ${set})` : ''}`,
    };
  }
  const version = device?.osVersion ?? null;
  if (version === null)
    return {
      rule,
      outcome: 'fail',
      reason: `rule minOsVersion: ${platform} ${minimum} required, but the agent did not report the OS version (fail)`,
    };
  const cmp = compareVersions(version, minimum);
  if (cmp === null)
    return {
      rule,
      outcome: 'fail',
      reason: `rule minOsVersion: ${platform} ${minimum} required, but "${version}" is not a version (fail)`,
    };
  return cmp >= 0
    ? { rule, outcome: 'pass', reason: `rule minOsVersion: ${platform} ${minimum} required, the device runs ${version} (pass)` }
    : { rule, outcome: 'fail', reason: `rule minOsVersion: ${platform} ${minimum} required, the device runs ${version} (fail)` };
}

/** Each health rule's outcome for the device, pure. */
export function healthOutcomes(policy: Policy, device: DeviceHealth | null): HealthOutcome[] {
  return [
    postureRule('requireDiskEncryption', policy.requireDiskEncryption, 'diskEncryption', device),
    postureRule('requireFirewall', policy.requireFirewall, 'firewall', device),
    osRule(policy.minOsVersion, device),
  ];
}

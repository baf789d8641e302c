import type { Platform, Posture } from '@devtrust/shared/identity';
import type { Endpoint } from '../domain/endpoint.js';
import type { MinOsVersions, Policy } from '../domain/policy.js';
import type { VendorPosture } from '../domain/inventory.js';

/** Posture an MDM or EDR integration reports for the device, with who reports it. */
export interface PostureSource extends VendorPosture {
  /** How reasons name the source: `Microsoft Intune "Corp Intune"`. */
  label: string;
}

/** What the health rules look at: the agent's latest report, and what integrations say. */
export interface DeviceHealth {
  platform: Platform | null;
  /** As the agent reports it. */
  osVersion: string | null;
  /** As the agent reports it. */
  posture: Posture;
  /** Integrations reporting posture for this device, preferred first (MDM before EDR). */
  integrations?: PostureSource[];
}

export interface HealthOutcome {
  rule: 'requireDiskEncryption' | 'requireFirewall' | 'minOsVersion';
  outcome: 'pass' | 'fail' | 'off';
  reason: string;
}

export const AGENT_SOURCE = 'the agent';

/** One posture fact as the verdict uses it: from the first integration that states it, else the agent. */
export interface PostureFact<T> {
  value: T | null;
  /** Who reported `value` (AGENT_SOURCE or an integration's label); null when nobody did. */
  source: string | null;
  /** What the agent reported, to show beside an integration's value. */
  agent: T | null;
}

export type FactKey = 'diskEncryption' | 'firewall' | 'osVersion';

/**
 * The agent's values are self-reported: a tampered or cloned agent can claim anything. An
 * integration that reports the same fact is the organisation's own record, so it wins.
 */
export function postureFact(device: DeviceHealth | null, key: 'diskEncryption' | 'firewall'): PostureFact<boolean>;
export function postureFact(device: DeviceHealth | null, key: 'osVersion'): PostureFact<string>;
export function postureFact(device: DeviceHealth | null, key: FactKey): PostureFact<boolean | string> {
  const agent = key === 'osVersion' ? (device?.osVersion ?? null) : (device?.posture[key] ?? null);
  for (const source of device?.integrations ?? []) {
    const value = source[key];
    if (value !== null && value !== undefined) return { value, source: source.label, agent };
  }
  return { value: agent, source: agent === null ? null : AGENT_SOURCE, agent };
}

export function deviceHealthOf(endpoint: Endpoint | null, integrations: PostureSource[] = []): DeviceHealth | null {
  const report = endpoint?.report;
  if (!report) return integrations.length > 0 ? { platform: endpoint?.platform ?? null, osVersion: null, posture: {}, integrations } : null;
  return {
    platform: report.identity.platform ?? null,
    osVersion: report.identity.osVersion ?? null,
    posture: report.posture ?? {},
    integrations,
  };
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
const onOff = (value: boolean): string => (value ? 'on' : 'off');

/** ", reported by X" and, when an integration overrode the agent with another value, what the agent said. */
function provenance<T>(fact: PostureFact<T>, show: (value: T) => string): string {
  const by = `, reported by ${fact.source}`;
  if (fact.source === AGENT_SOURCE || fact.agent === null || fact.agent === fact.value) return by;
  return `${by}; the agent reports ${show(fact.agent)}`;
}

/**
 * A required check passes only when the setting is reported on: a setting nobody could read
 * fails, because "could not tell" is not evidence of health.
 */
function postureRule(rule: HealthOutcome['rule'], required: boolean, key: keyof typeof LABELS, device: DeviceHealth | null): HealthOutcome {
  const label = LABELS[key];
  if (!required) return { rule, outcome: 'off', reason: `rule ${rule}=off: not required` };
  const fact = postureFact(device, key);
  if (fact.value === null) {
    return { rule, outcome: 'fail', reason: `rule ${rule}=on: neither the agent nor an integration reports ${label} (fail)` };
  }
  const outcome = fact.value ? 'pass' : 'fail';
  return { rule, outcome, reason: `rule ${rule}=on: ${label} is ${onOff(fact.value)}${provenance(fact, onOff)} (${outcome})` };
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
  const fact = postureFact(device, 'osVersion');
  const required = `rule minOsVersion: ${platform} ${minimum} required`;
  if (fact.value === null) {
    return { rule, outcome: 'fail', reason: `${required}, but neither the agent nor an integration reports the OS version (fail)` };
  }
  const cmp = compareVersions(fact.value, minimum);
  const from = provenance(fact, (v) => v);
  if (cmp === null) return { rule, outcome: 'fail', reason: `${required}, but "${fact.value}"${from} is not a version (fail)` };
  const outcome = cmp >= 0 ? 'pass' : 'fail';
  return { rule, outcome, reason: `${required}, the device runs ${fact.value}${from} (${outcome})` };
}

/** Each health rule's outcome for the device, pure. */
export function healthOutcomes(policy: Policy, device: DeviceHealth | null): HealthOutcome[] {
  return [
    postureRule('requireDiskEncryption', policy.requireDiskEncryption, 'diskEncryption', device),
    postureRule('requireFirewall', policy.requireFirewall, 'firewall', device),
    osRule(policy.minOsVersion, device),
  ];
}

import type { KeyKind } from '@devtrust/shared/protocol';
import type { Policy } from '../domain/policy.js';
import type { MatchResult } from '../match/match.js';

/** What the endpoint row says about the device key's standing: when it last reported, and its kind. */
export interface KeyFacts {
  lastSeenAt: number;
  keyKind: KeyKind;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const KEY_LABELS: Record<KeyKind, string> = {
  software: 'a software key',
  'secure-enclave': 'a Secure Enclave key',
  tpm: 'a TPM key',
};

/** "2 d 3 h", "5 h 10 min", "4 min", "under a minute". */
export function formatAge(ms: number): string {
  if (ms < MINUTE) return 'under a minute';
  const days = Math.floor(ms / (24 * HOUR));
  const hours = Math.floor((ms % (24 * HOUR)) / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}

/**
 * Identity assurance on top of a match, pure: a device whose agent has not reported within
 * maxReportAgeHours, or (with requireHardwareKey) whose agent enrolled with a software key, is
 * not trusted, whatever inventory it matched. Each rule adds its reason line. It reads only
 * the endpoint row the verdict already holds: no query of its own.
 */
export function assureMatch(
  match: MatchResult,
  facts: KeyFacts,
  policy: Pick<Policy, 'maxReportAgeHours' | 'requireHardwareKey'>,
  now: number,
): MatchResult {
  const failures: string[] = [];
  const rules: string[] = [];
  const age = Math.max(0, now - facts.lastSeenAt);
  const limit = policy.maxReportAgeHours;
  if (limit === 0) {
    rules.push(`rule maxReportAgeHours=0: no limit (last report ${formatAge(age)} ago)`);
  } else if (age > limit * HOUR) {
    const since = new Date(facts.lastSeenAt).toISOString();
    failures.push(
      `untrusted: not seen since ${since} (${formatAge(age)} ago); the policy trusts a device for ${limit} h after its last report`,
    );
    rules.push(`rule maxReportAgeHours=${limit}: last report ${formatAge(age)} ago (fail)`);
  } else {
    rules.push(`rule maxReportAgeHours=${limit}: last report ${formatAge(age)} ago (pass)`);
  }
  const key = KEY_LABELS[facts.keyKind];
  if (!policy.requireHardwareKey) {
    rules.push(`rule requireHardwareKey=off: not required (the agent reports ${key})`);
  } else if (facts.keyKind === 'software') {
    failures.push('untrusted: the policy requires a hardware-backed device key and this agent enrolled with a software key');
    rules.push(`rule requireHardwareKey=on: the agent reports ${key} (fail)`);
  } else {
    // A claim the collector cannot check yet (no attestation): see docs/hardware-keys.md.
    rules.push(`rule requireHardwareKey=on: the agent reports ${key}, not attested (pass)`);
  }
  if (failures.length === 0 || !match.trusted) return { ...match, reasons: [...match.reasons, ...rules] };
  return {
    ...match,
    trusted: false,
    reasons: [...failures, ...match.reasons.map((r) => r.replace(/^trusted: /, 'matched, but not trusted: ')), ...rules],
  };
}

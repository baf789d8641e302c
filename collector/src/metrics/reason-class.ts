import type { Verdict } from '../domain/verdict.js';

/**
 * A verdict's reason class for metrics: which row of the decision table decided it
 * (policy/decide.ts), read from the headline every verdict starts with. A few fixed
 * values, so a label never carries a serial number or a name. A verdict decided without
 * the table (no agent, a pending approval) still starts with one of these headlines.
 */
export type ReasonClass =
  | 'trusted'
  | 'blocked'
  | 'allow_all_untrusted'
  | 'not_trusted'
  | 'assurance_not_met'
  | 'edr_compromised'
  | 'edr_unknown'
  | 'unhealthy'
  | 'other';

const HEADLINES: readonly [RegExp, ReasonClass][] = [
  [/^denied: an administrator blocked this endpoint/, 'blocked'],
  [/^allowed: policy allow-all lets untrusted devices in/, 'allow_all_untrusted'],
  [/^denied: policy require-trusted and the device is not trusted/, 'not_trusted'],
  [/^denied: the policy requires an MDM-asserted identity/, 'assurance_not_met'],
  [/^denied: an EDR integration reports this device compromised/, 'edr_compromised'],
  [/^denied: the EDR status of this device is unknown/, 'edr_unknown'],
  [/^denied: the device fails a required health check/, 'unhealthy'],
  [/^allowed: trusted device/, 'trusted'],
];

export function reasonClass(verdict: Pick<Verdict, 'reasons'>): ReasonClass {
  const headline = verdict.reasons[0] ?? '';
  return HEADLINES.find(([pattern]) => pattern.test(headline))?.[1] ?? 'other';
}

import type { MatchResult } from '../match/match.js';
import type { Policy, Verdict } from '../store/types.js';

/** What the EDR integrations say about the device, already judged for freshness. */
export interface EdrAssessment {
  status: 'compromised' | 'clean' | 'unknown';
  reasons: string[];
}

export interface DecisionInputs {
  policy: Policy;
  blocked: boolean;
  match: MatchResult;
  edr: EdrAssessment | null;
}

/**
 * Turns a match into access, pure. The Cisco Secure Endpoint table:
 *
 * | trustedEndpoints | trusted | compromised (blockCompromised on) | access |
 * | require-trusted  | no      | any                               | deny   |
 * | require-trusted  | yes     | yes                               | deny   |
 * | require-trusted  | yes     | no / unknown                      | allow  |
 * | allow-all        | any     | any                               | allow  |
 *
 * A blocked endpoint is denied whatever it matches. The verdict is "trusted" only for a
 * matched, unblocked device that no blocking EDR verdict marks compromised.
 */
export function decide(inputs: DecisionInputs): Verdict {
  const { policy, blocked, match, edr } = inputs;
  const reasons = [...match.reasons];
  if (edr) reasons.push(...edr.reasons);
  const compromised = policy.blockCompromised && edr?.status === 'compromised';

  if (blocked) {
    return { verdict: 'untrusted', access: 'deny', reasons: ['denied: an administrator blocked this endpoint', ...reasons] };
  }
  const verdict = match.trusted && !compromised ? 'trusted' : 'untrusted';
  if (policy.trustedEndpoints === 'allow-all') {
    const why = verdict === 'trusted' ? 'allowed: trusted device' : 'allowed: policy allow-all lets untrusted devices in (verdict recorded)';
    return { verdict, access: 'allow', reasons: [why, ...reasons] };
  }
  if (!match.trusted) return { verdict, access: 'deny', reasons: ['denied: policy require-trusted and the device is not trusted', ...reasons] };
  if (compromised) return { verdict, access: 'deny', reasons: ['denied: an EDR integration reports this device compromised', ...reasons] };
  return { verdict, access: 'allow', reasons: ['allowed: trusted device', ...reasons] };
}

/** What a device check decides: trust of the device, access for the sign-in, and why. */
export interface Verdict {
  verdict: 'trusted' | 'untrusted';
  access: 'allow' | 'deny';
  reasons: string[];
}

/**
 * Reasons in fixed words, naming no integration, device or identifier: an application and its
 * users may see them even with reasonDetail "summary" (policy/disclosure.ts).
 */
export const NO_AGENT_REASON = 'untrusted: no DevTrust agent attested for this sign-in';
export const NOT_REPORTED_REASON = 'untrusted: the agent has not reported this device yet';

/**
 * How a trusted device was identified: `mdm_asserted` when it also proved the MDM-pushed
 * identity (device ID and configuration key), `identifiers` when hardware identifiers alone
 * matched. Policy can require the stronger level per application (requireAssurance).
 */
export const ASSURANCE_LEVELS = ['identifiers', 'mdm_asserted'] as const;
export type Assurance = (typeof ASSURANCE_LEVELS)[number];

/** What a device check decides: trust of the device, access for the sign-in, and why. */
export interface Verdict {
  verdict: 'trusted' | 'untrusted';
  access: 'allow' | 'deny';
  reasons: string[];
  /** The identification level of a trusted verdict; null (or absent, before this existed) when untrusted. */
  assurance?: Assurance | null;
}

/**
 * Reasons in fixed words, naming no integration, device or identifier: an application and its
 * users may see them even with reasonDetail "summary" (policy/disclosure.ts).
 */
export const NO_AGENT_REASON = 'untrusted: no DevTrust agent attested for this sign-in';
export const NOT_REPORTED_REASON = 'untrusted: the agent has not reported this device yet';

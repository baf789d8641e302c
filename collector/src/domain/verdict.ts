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
/**
 * Why an endpoint waiting for approval is not trusted, in words its user can act on: what to
 * ask IT for, as the README tells admins to handle it (a re-imaged device: release the old
 * endpoint; another device: approve or deny this one). Fixed, so "summary" discloses it too.
 */
export const PENDING_APPROVAL_REASON =
  'untrusted: this device waits for your IT team: another enrolled endpoint holds the identifiers it reports. If this device was re-imaged or its agent reinstalled, ask them to release the old endpoint; if it is another device, to approve or deny this one';

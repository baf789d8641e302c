/** What a device check decides: trust of the device, access for the sign-in, and why. */
export interface Verdict {
  verdict: 'trusted' | 'untrusted';
  access: 'allow' | 'deny';
  reasons: string[];
}

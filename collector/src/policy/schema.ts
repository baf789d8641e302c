import { z } from 'zod';

const version = z
  .string()
  .trim()
  .regex(/^\d{1,5}(\.\d{1,6}){0,3}$/, 'must be a dotted version such as 10.0.19045 or 14.0');

/** Minimum OS versions by platform; the agent's reported OS version is compared part by part. */
export const minOsVersionSchema = z.strictObject({ windows: version.optional(), macos: version.optional() });

const RULES = {
  /** allow-all records verdicts without denying; require-trusted denies untrusted devices. */
  trustedEndpoints: z.enum(['allow-all', 'require-trusted']),
  /** Deny (under require-trusted) a device an applicable EDR integration reports compromised. */
  blockCompromised: z.boolean(),
  /** With blockCompromised: whether an unknown EDR status denies a trusted device (default allow). */
  edrUnknown: z.enum(['allow', 'deny']),
  /** Deny (under require-trusted) a device whose agent does not report disk encryption on. */
  requireDiskEncryption: z.boolean(),
  /** Deny (under require-trusted) a device whose agent does not report the firewall on. */
  requireFirewall: z.boolean(),
  minOsVersion: minOsVersionSchema,
};

/** `PUT /admin/v1/policy`: the keys given replace the global policy's; the rest stay. */
export const globalPolicySchema = z.strictObject({
  trustedEndpoints: RULES.trustedEndpoints.optional(),
  blockCompromised: RULES.blockCompromised.optional(),
  edrUnknown: RULES.edrUnknown.optional(),
  requireDiskEncryption: RULES.requireDiskEncryption.optional(),
  requireFirewall: RULES.requireFirewall.optional(),
  minOsVersion: RULES.minOsVersion.optional(),
});

/** An application's overrides: a key absent or null inherits the global policy. */
export const applicationPolicySchema = z.strictObject({
  trustedEndpoints: RULES.trustedEndpoints.nullable().optional(),
  blockCompromised: RULES.blockCompromised.nullable().optional(),
  edrUnknown: RULES.edrUnknown.nullable().optional(),
  requireDiskEncryption: RULES.requireDiskEncryption.nullable().optional(),
  requireFirewall: RULES.requireFirewall.nullable().optional(),
  minOsVersion: RULES.minOsVersion.nullable().optional(),
});

import { z } from 'zod';

/**
 * The policy, defined once: its rules as zod schemas (which the admin API validates with
 * and the console renders its form from), the type inferred from them, and the default.
 * See policy/decide.ts for how the rules combine into a verdict.
 */

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
  /** Deny (under require-trusted) a device whose OS is older than its platform's minimum. */
  minOsVersion: minOsVersionSchema,
  /** A device whose agent has not reported for this many hours is not trusted; 0: no limit. */
  maxReportAgeHours: z.number().int().min(0).max(8760),
  /** Trust only devices whose agent enrolled with a Secure Enclave or TPM key (the agent's claim). */
  requireHardwareKey: z.boolean(),
  /** Deny (under require-trusted) a trusted device whose identification is weaker (docs/mdm-asserted-identity.md). */
  requireAssurance: z.enum(['identifiers', 'mdm_asserted']),
};

/** A whole policy: every rule set. */
export const policySchema = z.object(RULES);
export type Policy = z.infer<typeof policySchema>;
export type TrustedEndpointsMode = Policy['trustedEndpoints'];
export type MinOsVersions = Policy['minOsVersion'];

/**
 * Every rule off except what the SPEC sets: allow-all records verdicts without denying,
 * EDR status is not used, an unknown EDR status never denies, no health requirement.
 */
export const DEFAULT_POLICY: Policy = {
  trustedEndpoints: 'allow-all',
  blockCompromised: false,
  edrUnknown: 'allow',
  requireDiskEncryption: false,
  requireFirewall: false,
  minOsVersion: {},
  maxReportAgeHours: 72,
  requireHardwareKey: false,
  requireAssurance: 'identifiers',
};

/** `PUT /admin/v1/policy`: the keys given replace the global policy's; the rest stay. */
export const globalPolicyPatchSchema = z.strictObject({
  trustedEndpoints: RULES.trustedEndpoints.optional(),
  blockCompromised: RULES.blockCompromised.optional(),
  edrUnknown: RULES.edrUnknown.optional(),
  requireDiskEncryption: RULES.requireDiskEncryption.optional(),
  requireFirewall: RULES.requireFirewall.optional(),
  minOsVersion: RULES.minOsVersion.optional(),
  maxReportAgeHours: RULES.maxReportAgeHours.optional(),
  requireHardwareKey: RULES.requireHardwareKey.optional(),
  requireAssurance: RULES.requireAssurance.optional(),
});
export type GlobalPolicyPatch = z.infer<typeof globalPolicyPatchSchema>;

/** An application's overrides: a key absent or null inherits the global policy. */
export const applicationPolicySchema = z.strictObject({
  trustedEndpoints: RULES.trustedEndpoints.nullable().optional(),
  blockCompromised: RULES.blockCompromised.nullable().optional(),
  edrUnknown: RULES.edrUnknown.nullable().optional(),
  requireDiskEncryption: RULES.requireDiskEncryption.nullable().optional(),
  requireFirewall: RULES.requireFirewall.nullable().optional(),
  minOsVersion: RULES.minOsVersion.nullable().optional(),
  maxReportAgeHours: RULES.maxReportAgeHours.nullable().optional(),
  requireHardwareKey: RULES.requireHardwareKey.nullable().optional(),
  requireAssurance: RULES.requireAssurance.nullable().optional(),
});
export type ApplicationPolicyInput = z.infer<typeof applicationPolicySchema>;

/** Drops keys whose value is null or undefined: in an override they mean "inherit". */
export function withoutInherited<T extends object>(policy: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: NonNullable<T[K]>;
  };
}

/** A stored policy that does not pass the schema: named, never used as if it did. */
export class InvalidStoredPolicy extends Error {
  constructor(
    readonly where: string,
    problem: string,
  ) {
    super(`the stored ${where} is invalid: ${problem}`);
    this.name = 'InvalidStoredPolicy';
  }
}

/**
 * Reads a stored global policy (JSON text, null when none is stored). Rules added since it
 * was written take their default; a value that is not valid JSON or breaks a rule throws
 * InvalidStoredPolicy naming the rule, rather than reaching a verdict.
 */
export function parseStoredPolicy(text: string | null): Policy {
  if (text === null) return DEFAULT_POLICY;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    throw new InvalidStoredPolicy('global policy', 'not JSON');
  }
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored))
    throw new InvalidStoredPolicy('global policy', 'not an object');
  const parsed = policySchema.safeParse({ ...DEFAULT_POLICY, ...stored });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidStoredPolicy('global policy', `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

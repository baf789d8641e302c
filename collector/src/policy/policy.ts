import type { Application, Policy } from '../store/types.js';

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
};

/** Drops keys whose value is null or undefined: in an override they mean "inherit". */
export function withoutInherited<T extends object>(policy: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: NonNullable<T[K]>;
  };
}

/**
 * The application's overrides on top of the global policy, key by key. An override of
 * `minOsVersion` replaces the global object whole (`{}` lifts every OS minimum).
 */
export function effectivePolicy(global: Partial<Policy>, application: Application | null): Policy {
  return {
    ...DEFAULT_POLICY,
    ...withoutInherited(global),
    ...withoutInherited(application?.policy ?? {}),
  } as Policy;
}

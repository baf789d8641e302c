import type { Application } from '../domain/application.js';
import { DEFAULT_POLICY, withoutInherited, type Policy } from '../domain/policy.js';

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

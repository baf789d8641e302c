import type { Application, Policy } from '../store/types.js';

export const DEFAULT_POLICY: Policy = { trustedEndpoints: 'allow-all', blockCompromised: false };

/** The application's overrides on top of the global policy. */
export function effectivePolicy(global: Policy, application: Application | null): Policy {
  return { ...DEFAULT_POLICY, ...global, ...(application?.policy ?? {}) };
}

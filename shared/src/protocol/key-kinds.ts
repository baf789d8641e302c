/**
 * Where the agent keeps its device key (docs/hardware-keys.md). The agent's word only: no
 * attestation proves it, so a policy that requires a hardware key stops a standard agent on
 * a machine without one, not an attacker who claims one.
 */
export const KEY_KINDS = ['software', 'secure-enclave', 'tpm'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

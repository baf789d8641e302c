import { normalizeMdmDeviceId } from '@devtrust/shared/identity';
import type { AssertedCandidate } from '../match/assertion.js';
import type { Store } from '../store/store.js';

/** Opens an integration's sealed configuration key (TrustedEndpointsService.keyOf); null when it does not open. */
export interface AssertionKeys {
  keyOf(integrationId: string, sealed: string): string | null;
}

/**
 * The records holding an asserted MDM device ID in these integrations, each with its
 * integration's configuration key: one indexed query, keys opened from a cache. What the
 * pure judgement (match/assertion.ts) checks the proof against.
 */
export async function lookupAssertion(
  store: Store,
  keys: AssertionKeys,
  deviceId: string,
  integrationIds: string[],
): Promise<AssertedCandidate[]> {
  const value = normalizeMdmDeviceId(deviceId);
  if (value === null || integrationIds.length === 0) return [];
  const found = await store.inventory.findByMdmDeviceId(value, integrationIds);
  return found.map(({ record, sealedKey }) => ({ record, key: sealedKey === null ? null : keys.keyOf(record.integrationId, sealedKey) }));
}

import type { DeviceTrustClaim } from '../domain/device-trust.js';
import type { OidcPayload, StoredOidcPayload } from '../domain/oidc.js';
import type { Store } from '../store/store.js';
import type { OidcPayloadKey } from '../store/repos/oidc-payloads.js';

export type { OidcPayloadKey };

/** The model name used jtis are kept under, beside the provider's own models. */
const REQUEST_OBJECT_JTI = 'RequestObjectJti';

/**
 * What the OpenID Connect side keeps between requests: the provider's models (through
 * oidc/adapter.ts), the device_trust claim of each grant, and which transaction each
 * prompt waits on. Expiry times are milliseconds since the epoch.
 */
export class OidcStorage {
  constructor(private readonly store: Store) {}

  savePayload(entry: OidcPayload): Promise<void> {
    return this.store.oidcPayloads.upsert(entry);
  }

  findPayload(model: string, key: OidcPayloadKey): Promise<StoredOidcPayload | null> {
    return this.store.oidcPayloads.find(model, key);
  }

  consumePayload(model: string, id: string): Promise<void> {
    return this.store.oidcPayloads.consume(model, id);
  }

  destroyPayload(model: string, id: string): Promise<void> {
    return this.store.oidcPayloads.destroy(model, id);
  }

  revokeGrant(grantId: string): Promise<void> {
    return this.store.oidcPayloads.revokeByGrantId(grantId);
  }

  /** Whether a signed request object's jti (hashed with its client) was recorded and has not expired. */
  async requestObjectSeen(id: string): Promise<boolean> {
    return (await this.store.oidcPayloads.find(REQUEST_OBJECT_JTI, { id })) !== null;
  }

  /**
   * Records a signed request object's jti (hashed with its client) once; false when seen before.
   * Atomic (the table's unique key), so of two collectors recording one jti at once, one wins.
   */
  recordRequestObjectOnce(id: string, expiresAt: number): Promise<boolean> {
    return this.store.oidcPayloads.recordOnce(REQUEST_OBJECT_JTI, id, expiresAt);
  }

  saveDeviceTrust(grantId: string, claim: DeviceTrustClaim, expiresAt: number): Promise<void> {
    return this.store.oidcDeviceTrust.save(grantId, claim, expiresAt);
  }

  deviceTrustOf(grantId: string): Promise<DeviceTrustClaim | null> {
    return this.store.oidcDeviceTrust.forGrant(grantId);
  }

  savePrompt(uid: string, transactionId: string, expiresAt: number): Promise<void> {
    return this.store.oidcPrompts.save(uid, transactionId, expiresAt);
  }

  promptTransactionId(uid: string): Promise<string | null> {
    return this.store.oidcPrompts.transactionIdOf(uid);
  }

  forgetPrompt(uid: string): Promise<void> {
    return this.store.oidcPrompts.forget(uid);
  }
}

import type { Adapter, AdapterPayload } from 'oidc-provider';
import { unstorableCharacter } from '@devtrust/shared/identity';
import type { OidcStorage } from '../services/oidc-storage.js';

/**
 * Codes, tokens and uids come from requests (a form field, a cookie): one with NUL or a lone
 * surrogate was never issued, so it is not found, rather than failing the query on PostgreSQL.
 */
const storable = (value: unknown): boolean => typeof value === 'string' && unstorableCharacter(value) === null;

/**
 * oidc-provider's storage contract (its `example/my_adapter.js`) for one model, over the
 * collector's OIDC storage (services/oidc-storage.ts → store/repos/oidc-payloads.ts), so
 * several collectors on one database share sessions and codes.
 */
export class OidcAdapter implements Adapter {
  constructor(
    private readonly storage: OidcStorage,
    readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.storage.savePayload({
      model: this.model,
      id,
      payload: payload as Record<string, unknown>,
      grantId: payload.grantId ?? null,
      uid: payload.uid ?? null,
      userCode: payload.userCode ?? null,
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!storable(id)) return undefined;
    return this.found(await this.storage.findPayload(this.model, { id }));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (!storable(uid)) return undefined;
    return this.found(await this.storage.findPayload(this.model, { uid }));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    if (!storable(userCode)) return undefined;
    return this.found(await this.storage.findPayload(this.model, { userCode }));
  }

  /** Marks a code or token used; the provider refuses (and revokes the grant on) a second use. */
  async consume(id: string): Promise<void> {
    if (!storable(id)) return;
    await this.storage.consumePayload(this.model, id);
  }

  async destroy(id: string): Promise<void> {
    if (!storable(id)) return;
    await this.storage.destroyPayload(this.model, id);
  }

  /** Grants span models: revoking one removes every code and token issued under it. */
  async revokeByGrantId(grantId: string): Promise<void> {
    if (!storable(grantId)) return;
    await this.storage.revokeGrant(grantId);
  }

  private found(stored: { payload: Record<string, unknown>; consumedAt: number | null } | null): AdapterPayload | undefined {
    if (!stored) return undefined;
    const payload = stored.payload as AdapterPayload;
    return stored.consumedAt === null ? payload : { ...payload, consumed: stored.consumedAt };
  }
}

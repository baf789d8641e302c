import type { Logger } from 'pino';
import { randomToken, seal, unseal } from '@devtrust/shared/crypto';
import { MDM_DEVICE_ID_VARIABLES } from '@devtrust/shared/identity';
import type { AdminActor } from '../domain/admin-log.js';
import type { Integration } from '../domain/integration.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import { recordAdminAction } from './admin-log.js';
import { trustedEndpointInstructions, type PlatformInstructions } from './trusted-endpoints-instructions.js';

/** What an admin pastes into the MDM: the key, the MDM's variable, and how, per platform. */
export interface TrustedEndpointsView {
  integrationId: string;
  kind: string;
  key: string;
  createdAt: number;
  /** The MDM variable that fills in its device ID, e.g. {DeviceUid}. */
  variable: string;
  platforms: PlatformInstructions[];
}

const context = (integrationId: string): string => `${integrationId}/trustedEndpointsKey`;
/** Unsealed keys kept in memory, by sealed value (a rotation makes a new sealed value, so no stale entry is ever used). */
const CACHE_LIMIT = 1_000;

/**
 * The per-integration trusted endpoints configuration key: generated on first use (256
 * random bits), sealed with the master key bound to its integration, shown to owners and
 * admins only (it must be pasted into the MDM) and never logged; rotation replaces it at
 * once. Verdicts unseal it through `keyOf`, cached so a sign-in costs an HMAC, not an AES open.
 */
export class TrustedEndpointsService {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly masterKey: Buffer,
    private readonly log: Logger,
  ) {}

  /** The key, created when the integration has none yet, with the instructions per platform. */
  async show(integrationId: string, actor: AdminActor): Promise<TrustedEndpointsView> {
    const integration = await this.supported(integrationId);
    let stored = await this.store.integrations.trustedEndpointsKey(integration.id);
    if (!stored) {
      const at = Date.now();
      const created = await this.store.transaction(async (tx) => {
        const set = await tx.integrations.setTrustedEndpointsKey(integration.id, this.newSealedKey(integration.id), at, {
          onlyIfNone: true,
        });
        if (set) {
          const after = { integrationId: integration.id, createdAt: at };
          await recordAdminAction(tx, actor, {
            resourceType: 'trusted-endpoints-key',
            resourceId: integration.id,
            action: 'generate',
            before: null,
            after,
          });
        }
        return set;
      });
      if (created) this.log.info({ integrationId: integration.id }, 'trusted endpoints configuration key created');
      stored = await this.store.integrations.trustedEndpointsKey(integration.id);
      if (!stored) throw notFound('integration');
    }
    return this.view(integration, stored);
  }

  /** Replaces the key: devices still holding the old one lose the MDM-asserted level until the MDM pushes the new one. */
  async rotate(integrationId: string, actor: AdminActor): Promise<TrustedEndpointsView> {
    const integration = await this.supported(integrationId);
    const at = Date.now();
    await this.store.transaction(async (tx) => {
      const previous = await tx.integrations.trustedEndpointsKey(integration.id);
      await tx.integrations.setTrustedEndpointsKey(integration.id, this.newSealedKey(integration.id), at, { onlyIfNone: false });
      await recordAdminAction(tx, actor, {
        resourceType: 'trusted-endpoints-key',
        resourceId: integration.id,
        action: 'rotate',
        before: previous ? { integrationId: integration.id, createdAt: previous.createdAt } : null,
        after: { integrationId: integration.id, createdAt: at },
      });
    });
    this.log.info(
      { integrationId: integration.id, apiKeyId: actor.keyId, apiKeyName: actor.keyName },
      'trusted endpoints configuration key rotated',
    );
    return this.view(
      integration,
      (await this.store.integrations.trustedEndpointsKey(integration.id)) as { sealed: string; createdAt: number },
    );
  }

  /** The key of a sealed value read beside an inventory record; null when it does not open (another master key). */
  keyOf(integrationId: string, sealed: string): string | null {
    const cached = this.cache.get(sealed);
    if (cached !== undefined) return cached;
    let key: string;
    try {
      key = unseal(this.masterKey, sealed, context(integrationId));
    } catch {
      return null;
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(sealed, key);
    return key;
  }

  private async supported(integrationId: string): Promise<Integration> {
    const integration = await this.store.integrations.get(integrationId);
    if (!integration) throw notFound('integration');
    if (!MDM_DEVICE_ID_VARIABLES[integration.kind])
      throw badRequest(
        'NOT_SUPPORTED',
        `a ${integration.kind} integration has no MDM to push a trusted endpoint identifier: MDM-asserted identity needs Workspace ONE, MobileIron Core, Intune, Jamf Pro or Kandji`,
      );
    return integration;
  }

  private newSealedKey(integrationId: string): string {
    return seal(this.masterKey, randomToken('dtc'), context(integrationId));
  }

  private view(integration: Integration, stored: { sealed: string; createdAt: number }): TrustedEndpointsView {
    const key = this.keyOf(integration.id, stored.sealed);
    if (key === null)
      throw conflict(
        'KEY_UNREADABLE',
        'the configuration key was sealed with another master key (DEVTRUST_MASTER_KEY): rotate it, then push the new key with the MDM',
      );
    const variable = (MDM_DEVICE_ID_VARIABLES[integration.kind] as { variable: string }).variable;
    return {
      integrationId: integration.id,
      kind: integration.kind,
      key,
      createdAt: stored.createdAt,
      variable,
      platforms: trustedEndpointInstructions(integration, key, variable),
    };
  }
}

import type { Store } from '../store/store.js';
import { unsealSecrets } from '../sync/secrets.js';
import { ApplicationService } from './applications.js';
import { OidcKeyStore } from './oidc-keys.js';

/**
 * Whether `key` opens what the database keeps sealed — an application client secret, an
 * OIDC key and an integration's credentials, one of each where there is one — before the
 * collector records it as the database's master key (keys/master-key.ts). True for a
 * database that seals nothing yet.
 */
export async function masterKeyOpens(store: Store, key: Buffer): Promise<boolean> {
  if (!(await new ApplicationService(store, key).masterKeyOpens())) return false;
  if (!(await new OidcKeyStore(store.oidcKeys, key).masterKeyOpens())) return false;
  for (const integration of await store.integrations.list()) {
    const sealed = await store.integrations.sealedSecrets(integration.id);
    if (Object.keys(sealed).length === 0) continue;
    try {
      unsealSecrets(key, integration.id, sealed);
      return true;
    } catch {
      return false;
    }
  }
  return true;
}

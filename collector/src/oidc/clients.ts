import type { Adapter, AdapterPayload } from 'oidc-provider';
import { unstorableCharacter } from '@devtrust/shared/identity';
import type { ApplicationService } from '../services/applications.js';

/**
 * The provider's `Client` model, read from the applications the admin API creates: an
 * application is a confidential OIDC client using the authorization code flow. Read on
 * every lookup (the provider caches by content), so a changed redirect URI or a deleted
 * application takes effect at once. Clients cannot be written through the provider.
 */
export class ApplicationClients implements Adapter {
  constructor(private readonly applications: ApplicationService) {}

  async find(clientId: string): Promise<AdapterPayload | undefined> {
    // A client_id with NUL names no application (and would fail the query on PostgreSQL).
    if (typeof clientId !== 'string' || unstorableCharacter(clientId) !== null) return undefined;
    const app = await this.applications.withClientSecret(clientId);
    if (!app) return undefined;
    return {
      client_id: app.clientId,
      client_secret: app.clientSecret,
      client_name: app.name,
      redirect_uris: app.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // The provider accepts client_secret_post from a client registered for basic too.
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      // Applications have no keys of their own here: a request object is signed with the secret.
      request_object_signing_alg: 'HS256',
    };
  }

  async upsert(): Promise<void> {
    throw new Error('applications are managed through the admin API');
  }

  async destroy(): Promise<void> {
    throw new Error('applications are managed through the admin API');
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async revokeByGrantId(): Promise<void> {}
}

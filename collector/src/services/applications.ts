import { hashToken, randomToken, seal, tokenMatches, unseal } from '@devtrust/shared/crypto';
import type { Application, ApplicationPatch } from '../domain/application.js';
import { withoutInherited, type ApplicationPolicyInput } from '../domain/policy.js';
import type { ApplicationsRepo } from '../store/repos/applications.js';

/** The secret is sealed (the OIDC provider must compare it) and hashed (fast API auth). */
const CLIENT_SECRET_CONTEXT = 'application-client-secret';
const secretContext = (clientId: string): string => `${CLIENT_SECRET_CONTEXT}/${clientId}`;

export interface ApplicationInput {
  name: string;
  redirectUris: string[];
  policy?: ApplicationPolicyInput;
}

/** Applications: their client credentials (sealed and hashed here) and policy overrides. */
export class ApplicationService {
  constructor(
    private readonly applications: ApplicationsRepo,
    private readonly masterKey: Buffer,
  ) {}

  /** Creates an application; the returned `clientSecret` is the only time it is seen. */
  async create(input: ApplicationInput): Promise<Application & { clientSecret: string }> {
    const clientId = randomToken('dtc', 12);
    const clientSecret = randomToken('dts');
    const application = await this.applications.create({
      name: input.name,
      clientId,
      secretHash: hashToken(clientSecret),
      secretSealed: seal(this.masterKey, clientSecret, secretContext(clientId)),
      redirectUris: input.redirectUris,
      policy: withoutInherited(input.policy ?? {}),
    });
    return { ...application, clientSecret };
  }

  list(): Promise<Application[]> {
    return this.applications.list();
  }

  get(id: string): Promise<Application | null> {
    return this.applications.get(id);
  }

  /**
   * Merged inside the store's transaction, on the application as stored at that moment:
   * a concurrent PATCH of another field (or policy key) is kept, not overwritten.
   */
  patch(id: string, input: Partial<ApplicationInput>): Promise<Application | null> {
    return this.applications.patch(id, (current) => {
      const patch: ApplicationPatch = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.redirectUris !== undefined) patch.redirectUris = input.redirectUris;
      // Keys given replace the app's overrides; null removes one (the global value applies).
      if (input.policy !== undefined) patch.policy = withoutInherited({ ...current.policy, ...input.policy });
      return patch;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.applications.delete(id);
  }

  /** The application these client credentials belong to, or null when unknown or wrong. */
  async authenticateClient(clientId: string, secret: string): Promise<Application | null> {
    const app = await this.applications.byClientId(clientId);
    if (!app || !tokenMatches(secret, app.secretHash)) return null;
    const { secretHash: _hash, secretSealed: _sealed, ...application } = app;
    return application;
  }

  /** An application by its client id, with its client secret unsealed (the OIDC provider compares it). */
  async withClientSecret(clientId: string): Promise<(Application & { clientSecret: string }) | null> {
    const app = await this.applications.byClientId(clientId);
    if (!app) return null;
    const { secretHash: _hash, secretSealed, ...application } = app;
    return { ...application, clientSecret: unseal(this.masterKey, secretSealed, secretContext(app.clientId)) };
  }

  /** Whether this service's master key opens the client secrets the database holds (true when it holds none). */
  async masterKeyOpens(): Promise<boolean> {
    const [first] = await this.applications.list();
    if (!first) return true;
    try {
      await this.withClientSecret(first.clientId);
      return true;
    } catch {
      return false;
    }
  }

  async byClientId(clientId: string): Promise<Application | null> {
    const app = await this.applications.byClientId(clientId);
    if (!app) return null;
    const { secretHash: _hash, secretSealed: _sealed, ...application } = app;
    return application;
  }
}

import { hashToken, randomToken, seal, tokenMatches, unseal } from '@devtrust/shared/crypto';
import type { AdminActor } from '../domain/admin-log.js';
import type { Application, ApplicationCredentials, ApplicationPatch, ReasonDetail } from '../domain/application.js';
import { applicationNameKey, ApplicationNameTaken } from '../domain/application-name.js';
import { nameRuleBroken } from '../domain/application-name-rules.js';
import { withoutInherited, type ApplicationPolicyInput } from '../domain/policy.js';
import { AppError, badRequest, conflict } from '../errors.js';
import type { ApplicationsRepo } from '../store/repos/applications.js';
import type { Store } from '../store/store.js';
import { recordAdminAction } from './admin-log.js';

/** The secret is sealed (the OIDC provider must compare it) and hashed (fast API auth). */
const CLIENT_SECRET_CONTEXT = 'application-client-secret';
const secretContext = (clientId: string): string => `${CLIENT_SECRET_CONTEXT}/${clientId}`;

export interface ApplicationInput {
  name: string;
  redirectUris: string[];
  policy?: ApplicationPolicyInput;
  reasonDetail?: ReasonDetail;
}

/** Applications: their client credentials (sealed and hashed here) and policy overrides. Changes are in the admin log. */
export class ApplicationService {
  private readonly applications: ApplicationsRepo;

  constructor(
    private readonly store: Store,
    private readonly masterKey: Buffer,
  ) {
    this.applications = store.applications;
  }

  /** Creates an application; the returned `clientSecret` is the only time it is seen. */
  async create(input: ApplicationInput, actor: AdminActor): Promise<Application & { clientSecret: string }> {
    readableName(input.name);
    allowedName(input.name);
    const clientId = randomToken('dtc', 12);
    const clientSecret = randomToken('dts');
    const application = await this.named(() =>
      this.store.transaction(async (tx) => {
        const created = await tx.applications.create({
          name: input.name,
          clientId,
          secretHash: hashToken(clientSecret),
          secretSealed: seal(this.masterKey, clientSecret, secretContext(clientId)),
          redirectUris: input.redirectUris,
          policy: withoutInherited(input.policy ?? {}),
          reasonDetail: input.reasonDetail ?? 'summary',
        });
        await recordAdminAction(tx, actor, { resourceType: 'application', resourceId: created.id, action: 'create', after: created });
        return created;
      }),
    );
    return { ...application, clientSecret };
  }

  /**
   * A new client secret, returned this once; the old one stops working at once, for the
   * transaction API and the OIDC token endpoint alike (both read the stored secret on every
   * request). Null when there is no such application.
   */
  async rotateSecret(id: string, actor: AdminActor): Promise<(Application & { clientSecret: string }) | null> {
    const current = await this.applications.credentials(id);
    if (!current) return null;
    const clientSecret = randomToken('dts');
    const sealed = seal(this.masterKey, clientSecret, secretContext(current.clientId));
    const application = await this.store.transaction(async (tx) => {
      if (!(await tx.applications.replaceSecret(id, current.secretHash, hashToken(clientSecret), sealed))) {
        throw conflict(
          'SECRET_ROTATED_CONCURRENTLY',
          'the client secret was rotated by another request just now; rotate again to get one you hold',
        );
      }
      const rotated = await tx.applications.get(id);
      // The secret itself is never recorded: the entry says that it was rotated, by whom.
      if (rotated)
        await recordAdminAction(tx, actor, {
          resourceType: 'application',
          resourceId: id,
          action: 'rotate-secret',
          before: rotated,
          after: rotated,
        });
      return rotated;
    });
    return application ? { ...application, clientSecret } : null;
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
  async patch(id: string, input: Partial<ApplicationInput>, actor: AdminActor): Promise<Application | null> {
    if (input.name !== undefined) readableName(input.name);
    const patched = await this.named(() =>
      this.store.transaction(async (tx) => {
        let before: Application | null = null;
        const updated = await tx.applications.patch(id, (current) => {
          before = current;
          const patch: ApplicationPatch = {};
          // A name stored before the rules (sent back unchanged, as the console does) stays allowed.
          if (input.name !== undefined && input.name !== current.name) allowedName(input.name);
          if (input.name !== undefined) patch.name = input.name;
          if (input.redirectUris !== undefined) patch.redirectUris = input.redirectUris;
          if (input.reasonDetail !== undefined) patch.reasonDetail = input.reasonDetail;
          // Keys given replace the app's overrides; null removes one (the global value applies).
          if (input.policy !== undefined) patch.policy = withoutInherited({ ...current.policy, ...input.policy });
          return patch;
        });
        if (updated)
          await recordAdminAction(tx, actor, { resourceType: 'application', resourceId: id, action: 'update', before, after: updated });
        return updated;
      }),
    );
    // A look-alike of the old name, held from before names were compared, may now take its key.
    if (patched && input.name !== undefined) await this.applications.keyNames();
    return patched;
  }

  async delete(id: string, actor: AdminActor): Promise<boolean> {
    const deleted = await this.store.transaction(async (tx) => {
      const before = await tx.applications.get(id);
      if (!before || !(await tx.applications.delete(id))) return false;
      await recordAdminAction(tx, actor, { resourceType: 'application', resourceId: id, action: 'delete', before });
      return true;
    });
    // A later look-alike of the deleted application's name may now take its key.
    if (deleted) await this.applications.keyNames();
    return deleted;
  }

  /**
   * Runs a write that names an application; a name reading as another application's becomes
   * 409 APPLICATION_NAME_TAKEN naming that application. It is looked up here, after the write's
   * transaction: on PostgreSQL the statement the unique index refused aborted it.
   */
  private async named<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof ApplicationNameTaken)) throw error;
      const key = applicationNameKey(error.requestedName);
      const existing = key === null ? null : await this.applications.byNameKey(key);
      const named = new ApplicationNameTaken(error.requestedName, existing && { id: existing.id, name: existing.name });
      throw new AppError(409, 'APPLICATION_NAME_TAKEN', named.message, { cause: named, field: 'name' });
    }
  }

  /** The application these client credentials belong to, or null when unknown or wrong. */
  async authenticateClient(clientId: string, secret: string): Promise<Application | null> {
    const app = await this.credentials(clientId);
    if (!app || !tokenMatches(secret, app.secretHash)) return null;
    const { secretHash: _hash, secretSealed: _sealed, ...application } = app;
    return application;
  }

  /**
   * An application's stored credentials by client ID, for every caller anyone may reach at any
   * rate (the transaction API, the OIDC token and authorization endpoints): from the change
   * feed's cache, dropped on any write to applications (a rotated secret, on every collector
   * through NOTIFY on PostgreSQL). Unknown client IDs are not kept, since callers could invent
   * any number; they are answered from the cached set of every client ID instead. So neither
   * costs a database read, and such reads are what tells a running sync to give way
   * (store/background-writes.ts): anonymous floods slowed every sync (review r6).
   */
  private async credentials(clientId: string): Promise<ApplicationCredentials | null> {
    const ids = await this.store.changes.read('applications', 'client-ids', async () => new Set(await this.applications.clientIds()));
    if (!ids.has(clientId)) return null;
    return this.store.changes.read(
      'applications',
      `client\u0000${clientId}`,
      () => this.applications.byClientId(clientId),
      (found) => found !== null,
    );
  }

  /** An application by its client id, with its client secret unsealed (the OIDC provider compares it). */
  async withClientSecret(clientId: string): Promise<(Application & { clientSecret: string }) | null> {
    const app = await this.credentials(clientId);
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
    const app = await this.credentials(clientId);
    if (!app) return null;
    const { secretHash: _hash, secretSealed: _sealed, ...application } = app;
    return application;
  }
}

/**
 * Refuses a name that reads as nothing (invisible characters only, or marks with nothing to sit
 * on): users would be asked to vouch for their device to an application with no name to read.
 */
function readableName(name: string): void {
  if (applicationNameKey(name) === null)
    throw badRequest(
      'APPLICATION_NAME_UNREADABLE',
      'the name reads as nothing once invisible characters, marks and spaces are left out: give a name users can read',
      'name',
    );
}

/**
 * Refuses a new name holding a symbol or letters of more than one script
 * (domain/application-name-rules.ts): what the name key's table of look-alikes cannot cover.
 */
function allowedName(name: string): void {
  const broken = nameRuleBroken(name);
  if (broken) throw badRequest(broken.code, broken.message, 'name');
}

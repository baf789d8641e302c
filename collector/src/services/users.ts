import type { AdminActor } from '../domain/admin-log.js';
import { activationGroupWarnings } from '../match/activation-group-warnings.js';
import type { IntegrationView } from '../match/match.js';
import { normalizeUsername, type User } from '../domain/user.js';
import type { Store } from '../store/store.js';
import { recordAdminAction } from './admin-log.js';
import { activeIntegrationViews } from './integration-views.js';

/** Users and their groups, which decide where test-group activations apply. Changes are in the admin log. */
export class UserService {
  constructor(private readonly store: Store) {}

  put(username: string, groups: string[], actor: AdminActor): Promise<User> {
    return this.store.transaction(async (tx) => {
      const before = await tx.users.get(username);
      const after = await tx.users.put(username, groups);
      await recordAdminAction(tx, actor, {
        resourceType: 'user',
        resourceId: after.username,
        action: before ? 'update' : 'create',
        before,
        after,
      });
      return after;
    });
  }

  /** Warnings for test groups no known user is in; they never block an activation (match/activation-group-warnings.ts). */
  async activationGroupWarnings(groups: string[]): Promise<string[]> {
    return groups.length === 0 ? [] : activationGroupWarnings(groups, await this.store.users.groups());
  }

  list(): Promise<User[]> {
    return this.store.users.list();
  }

  get(username: string): Promise<User | null> {
    return this.store.users.get(username);
  }

  delete(username: string, actor: AdminActor): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const before = await tx.users.get(username);
      if (!before || !(await tx.users.delete(username))) return false;
      await recordAdminAction(tx, actor, { resourceType: 'user', resourceId: before.username, action: 'delete', before });
      return true;
    });
  }

  /** Every group with its member count. */
  groups(): Promise<{ name: string; members: number }[]> {
    return this.store.users.groups();
  }

  /** The members of a group (compared without case or surrounding space); empty when none. */
  async members(group: string): Promise<string[]> {
    const key = group.trim().toLowerCase();
    return (await this.store.users.list()).filter((u) => u.groups.some((g) => g.trim().toLowerCase() === key)).map((u) => u.username);
  }

  /** Which integrations apply to this user and why not ("why was I untrusted?"). */
  async integrationsFor(username: string): Promise<{ username: string; user: User | null; views: IntegrationView[] }> {
    const user = await this.store.users.get(username);
    const name = normalizeUsername(username);
    return { username: name, user, views: activeIntegrationViews(await this.store.integrations.list(), user, name) };
  }
}

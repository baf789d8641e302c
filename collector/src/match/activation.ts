import type { Integration } from '../domain/integration.js';
import type { User } from '../domain/user.js';

/** Group names compare without case or surrounding space: IdPs and admins disagree on both. */
export const groupKey = (group: string): string => group.trim().toLowerCase();

/**
 * Whether an integration applies to a user (SPEC: all users, or a test group the user
 * is in). Returns null when it applies, else the reason it does not. New integrations
 * are created disabled, so nothing an admin is still testing affects anyone.
 */
export function inactiveReasonFor(integration: Integration, user: User | null, username: string): string | null {
  switch (integration.activation.mode) {
    case 'disabled':
      return 'the integration is disabled';
    case 'all-users':
      return null;
    case 'test-groups': {
      const groups = integration.activation.groups;
      const wanted = new Set(groups.map(groupKey));
      if (user && user.groups.some((g) => wanted.has(groupKey(g)))) return null;
      const listed = groups.map((g) => `"${g}"`).join(', ') || '(none)';
      const who =
        username === '' ? 'no user was named' : user ? `${username} is in none of them` : `${username} is not a known user (no groups)`;
      return `active for test groups ${listed} only, and ${who}`;
    }
  }
}

import type { Integration, User } from '../store/types.js';

/**
 * Whether an integration applies to a user (SPEC: all users, or a test group the user
 * is in). Returns null when it applies, else the reason it does not.
 */
export function inactiveReasonFor(integration: Integration, user: User | null, username: string): string | null {
  switch (integration.activation.mode) {
    case 'disabled':
      return 'the integration is disabled';
    case 'all-users':
      return null;
    case 'test-groups': {
      const groups = integration.activation.groups;
      if (user && user.groups.some((g) => groups.includes(g))) return null;
      return `active for test groups ${groups.map((g) => `"${g}"`).join(', ') || '(none)'} only, and ${username} is in none of them`;
    }
  }
}

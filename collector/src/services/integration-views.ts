import { inactiveReasonFor } from '../match/activation.js';
import type { IntegrationView } from '../match/match.js';
import type { Integration } from '../domain/integration.js';
import type { User } from '../domain/user.js';

/** Every integration as matching sees it for one user. */
export function activeIntegrationViews(integrations: Integration[], user: User | null, username: string): IntegrationView[] {
  return integrations.map((integration) => ({
    integration,
    inactiveReason: inactiveReasonFor(integration, user, username),
    matchMacAddresses: integration.config.matchMacAddresses === true,
  }));
}

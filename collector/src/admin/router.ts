import type { Router } from '@koa/router';
import { exactRouter } from '../http/routing.js';
import type { Services } from '../services/services.js';
import type { AgentConnections } from './agent-connections.js';
import { adminLogRoutes } from './routes/admin-log.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { applicationRoutes } from './routes/applications.js';
import { authLogRoutes } from './routes/auth-log.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { endpointRoutes } from './routes/endpoints.js';
import { enrollmentKeyRoutes } from './routes/enrollment-key.js';
import { findingRoutes } from './routes/findings.js';
import { groupRoutes } from './routes/groups.js';
import { integrationRoutes } from './routes/integrations.js';
import { kindRoutes } from './routes/kinds.js';
import { policyRoutes } from './routes/policy.js';
import { trustedEndpointRoutes } from './routes/trusted-endpoints.js';
import { userRoutes } from './routes/users.js';

/**
 * The admin REST API under /admin/v1, one route file per resource. Authentication happens
 * before routing, for every path under /admin (adminGate in http/auth.ts); each route
 * carries its role guard.
 */
export function adminRouter(services: Services, agents: AgentConnections): Router {
  const router = exactRouter({ prefix: '/admin/v1' });
  for (const child of [
    apiKeyRoutes(services),
    integrationRoutes(services),
    endpointRoutes(services, agents),
    applicationRoutes(services),
    policyRoutes(services),
    userRoutes(services),
    groupRoutes(services),
    authLogRoutes(services),
    adminLogRoutes(services),
    dashboardRoutes(services),
    findingRoutes(services),
    enrollmentKeyRoutes(services),
    trustedEndpointRoutes(services),
    kindRoutes(),
  ]) {
    router.use(child.routes(), child.allowedMethods());
  }
  return router;
}

import type { Router } from '@koa/router';
import { openApiDocument } from '../http/openapi.js';
import { exactRouter } from '../http/routing.js';
import { keyAdminRouter } from '../oidc/key-admin.js';
import { verdictRouter } from '../verdict/routes.js';
import { COLLECTOR_VERSION } from '../version.js';
import type { Services } from '../services/services.js';
import type { AgentConnections } from './agent-connections.js';
import { adminLogRoutes } from './routes/admin-log.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { applicationRoutes } from './routes/applications.js';
import { authLogRoutes } from './routes/auth-log.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { backupRoutes } from './routes/backup.js';
import { endpointRoutes } from './routes/endpoints.js';
import { enrollmentKeyRoutes } from './routes/enrollment-key.js';
import { findingRoutes } from './routes/findings.js';
import { groupRoutes } from './routes/groups.js';
import { integrationRoutes } from './routes/integrations.js';
import { kindRoutes } from './routes/kinds.js';
import { openApiRoutes } from './routes/openapi.js';
import { policyRoutes } from './routes/policy.js';
import { reenrollmentRoutes } from './routes/reenrollments.js';
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
    reenrollmentRoutes(services),
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
    backupRoutes(services),
    openApiRoutes(() => apiDocument(services, router).document),
  ]) {
    router.use(child.routes(), child.allowedMethods());
  }
  return router;
}

/** The resource a route belongs to: `/admin/v1/integrations/:id/sync` → `integrations`. */
const resource = (path: string): string => (path.split('/')[3] ?? path).replace(/\.json$/, '');

/**
 * The OpenAPI document of the routes this collector serves under /admin/v1 and /api/v1,
 * read from their routers (http/openapi.ts). The OIDC key routes are mounted by the OIDC
 * provider (oidc/mount.ts); a second instance of their router describes them here.
 */
export function apiDocument(services: Services, admin: Router): ReturnType<typeof openApiDocument> {
  return openApiDocument(
    [
      { router: admin, security: 'apiKey', tag: resource },
      { router: keyAdminRouter(services, () => undefined), security: 'apiKey', tag: resource },
      { router: verdictRouter(services), security: 'application', tag: () => 'transactions' },
    ],
    COLLECTOR_VERSION,
  );
}

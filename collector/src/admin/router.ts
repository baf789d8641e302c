import type { Router } from '@koa/router';
import { exactRouter } from '../http/routing.js';
import type { Services } from '../services/services.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { applicationRoutes } from './routes/applications.js';
import { endpointRoutes } from './routes/endpoints.js';
import { findingRoutes } from './routes/findings.js';
import { integrationRoutes } from './routes/integrations.js';
import { kindRoutes } from './routes/kinds.js';
import { peopleRoutes } from './routes/people.js';

/**
 * The admin REST API under /admin/v1. Authentication happens before routing, for every
 * path under /admin (adminGate in http/auth.ts); each route carries its role guard.
 */
export function adminRouter(services: Services): Router {
  const router = exactRouter({ prefix: '/admin/v1' });
  for (const routes of [apiKeyRoutes, integrationRoutes, endpointRoutes, applicationRoutes, peopleRoutes, findingRoutes]) {
    const child = routes(services);
    router.use(child.routes(), child.allowedMethods());
  }
  const kinds = kindRoutes();
  router.use(kinds.routes(), kinds.allowedMethods());
  return router;
}

import { Router } from '@koa/router';
import { apiKeyAuth } from '../http/auth.js';
import type { Services } from '../services/services.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { applicationRoutes } from './routes/applications.js';
import { endpointRoutes } from './routes/endpoints.js';
import { findingRoutes } from './routes/findings.js';
import { integrationRoutes } from './routes/integrations.js';
import { peopleRoutes } from './routes/people.js';

/** The admin REST API under /admin/v1; every route needs an API key with the right role. */
export function adminRouter(services: Services): Router {
  const router = new Router({ prefix: '/admin/v1' });
  router.use(apiKeyAuth(services.store));
  for (const routes of [apiKeyRoutes, integrationRoutes, endpointRoutes, applicationRoutes, peopleRoutes, findingRoutes]) {
    const child = routes(services);
    router.use(child.routes(), child.allowedMethods());
  }
  return router;
}

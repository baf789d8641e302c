import Koa from 'koa';
import { Router } from '@koa/router';
import { adminRouter } from '../admin/router.js';
import type { Services } from '../services/services.js';
import { verdictRouter } from '../verdict/routes.js';
import { errorHandler } from './errors.js';
import { healthRoutes } from './health.js';
import { Metrics } from './metrics.js';
import { securityHeaders } from './security-headers.js';

/** Extra routers (the OIDC provider, the console) mount through this hook. */
export type Mount = (app: Koa, services: Services) => void | Promise<void>;

export async function createApp(services: Services, mounts: Mount[] = []): Promise<{ app: Koa; metrics: Metrics }> {
  const app = new Koa({ proxy: false });
  const metrics = new Metrics();
  // Koa's default handler would log errors to stderr; ours are logged where handled.
  app.silent = true;
  app.use(metrics.middleware());
  app.use(securityHeaders);
  app.use(errorHandler(services.log.child({ component: 'http' }), services.store.faults));

  // Liveness and readiness (see health.ts).
  app.use(healthRoutes(services, metrics).routes());
  const base = new Router();
  base.get('/metrics', async function metricsText(ctx) {
    ctx.type = 'text/plain; version=0.0.4';
    ctx.body = await metrics.render();
  });
  app.use(base.routes());
  const admin = adminRouter(services);
  app.use(admin.routes()).use(admin.allowedMethods());
  const verdicts = verdictRouter(services);
  app.use(verdicts.routes()).use(verdicts.allowedMethods());
  for (const mount of mounts) await mount(app, services);
  return { app, metrics };
}

import Koa from 'koa';
import type { AgentConnections } from '../admin/agent-connections.js';
import { adminRouter } from '../admin/router.js';
import type { Services } from '../services/services.js';
import { verdictRouter } from '../verdict/routes.js';
import { adminAuthFailuresOf } from '../limits/abuse-limits.js';
import { adminGate } from './auth.js';
import { clientAddressOf } from './client-address.js';
import { errorHandler } from './errors.js';
import { healthRoutes } from './health.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import { countAnswers, metricsRoute } from './metrics.js';
import { refuseUnstorableRequestText } from './request-text.js';
import { securityHeaders } from './security-headers.js';

/** Extra routers (the OIDC provider, the console) mount through this hook. */
export type Mount = (app: Koa, services: Services) => void | Promise<void>;

export async function createApp(
  services: Services,
  agents: AgentConnections,
  metrics: CollectorMetrics,
  mounts: Mount[] = [],
): Promise<Koa> {
  // Behind a TLS-terminating proxy (DEVTRUST_TRUST_PROXY), X-Forwarded-Proto/-Host say how
  // the client reached it: ctx.secure then makes the OIDC cookies Secure. The client's
  // address is not Koa's reading of X-Forwarded-For: see clientAddressOf below.
  const app = new Koa({ proxy: services.config.trustProxy, maxIpsCount: 1 });
  if (services.config.publicUrl.startsWith('https:') && !services.config.tls && !services.config.trustProxy) {
    services.log.warn(
      'DEVTRUST_PUBLIC_URL is https but this collector serves plain HTTP and DEVTRUST_TRUST_PROXY is off: sign-in cookies are not marked Secure',
    );
  }
  // Koa's default handler would log errors to stderr; ours are logged where handled.
  app.silent = true;
  // First: everything after it (limiters, the admin log, OIDC) reads ctx.ip.
  app.use(clientAddressOf(services.config.trustProxy));
  app.use(countAnswers(metrics));
  app.use(securityHeaders);
  app.use(errorHandler(services.log.child({ component: 'http' }), services.health.faults));
  app.use(refuseUnstorableRequestText);
  // Before every router and mount: nothing under /admin is routed without an API key.
  app.use(adminGate(services.apiKeys, adminAuthFailuresOf(services)));

  // The transaction API first: applications call it twice per sign-in, and a router that does
  // not match still tries every one of its routes (the admin API has about fifty).
  const verdicts = verdictRouter(services);
  app.use(verdicts.routes()).use(verdicts.allowedMethods());
  // Liveness and readiness (see health.ts).
  app.use(healthRoutes(services).routes());
  app.use(metricsRoute(metrics, services.config.metrics.token).routes());
  const admin = adminRouter(services, agents);
  app.use(admin.routes()).use(admin.allowedMethods());
  for (const mount of mounts) await mount(app, services);
  return app;
}

import type { Router } from '@koa/router';
import type { Services } from '../services/services.js';
import { COLLECTOR_VERSION } from '../version.js';
import { exactRouter } from './routing.js';

/**
 * GET /healthz: liveness, the process serves HTTP (restart it if this fails); it does not
 * touch the database, so a database outage never gets a healthy collector restarted.
 * GET /readyz: readiness, 200 only when the database answers, accepts a write and has
 * every migration; else 503 naming what fails. Both are unauthenticated and say nothing
 * secret; both name the collector's version (nodes of two releases side by side, mid-upgrade).
 * (Database errors by kind are in /metrics: metrics/inventory-gauges.ts.)
 */
export function healthRoutes(services: Services): Router {
  const { health } = services;
  const router = exactRouter();
  router.get('/healthz', function healthz(ctx) {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ok: true, version: COLLECTOR_VERSION, database: health.database };
  });
  router.get('/readyz', async function readyz(ctx) {
    const readiness = await health.readiness();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { ...readiness, version: COLLECTOR_VERSION, database: health.database };
  });
  return router;
}

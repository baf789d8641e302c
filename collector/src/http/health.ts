import type { Router } from '@koa/router';
import { DB_FAULT_KINDS } from '../services/health.js';
import type { Services } from '../services/services.js';
import type { Metrics } from './metrics.js';
import { COLLECTOR_VERSION } from '../version.js';
import { exactRouter } from './routing.js';

/**
 * GET /healthz: liveness, the process serves HTTP (restart it if this fails); it does not
 * touch the database, so a database outage never gets a healthy collector restarted.
 * GET /readyz: readiness, 200 only when the database answers, accepts a write and has
 * every migration; else 503 naming what fails. Both are unauthenticated and say nothing
 * secret; both name the collector's version (nodes of two releases side by side, mid-upgrade). Also adds database error counts by kind to /metrics.
 */
export function healthRoutes(services: Services, metrics: Metrics): Router {
  const { health } = services;
  metrics.sections.push(() => {
    const lines = ['# HELP devtrust_db_errors_total database errors by kind', '# TYPE devtrust_db_errors_total counter'];
    for (const kind of DB_FAULT_KINDS) lines.push(`devtrust_db_errors_total{kind="${kind}"} ${health.faults.errorsByKind.get(kind) ?? 0}`);
    const fault = health.faults.current;
    lines.push('# HELP devtrust_db_fault 1 while a database fault of that kind lasts', '# TYPE devtrust_db_fault gauge');
    for (const kind of DB_FAULT_KINDS) lines.push(`devtrust_db_fault{kind="${kind}"} ${fault?.kind === kind ? 1 : 0}`);
    return lines;
  });

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

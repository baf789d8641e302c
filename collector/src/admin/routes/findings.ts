import type { Router } from '@koa/router';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

const list = operation({
  summary: "What needs an admin's eye",
  description:
    'The first 50 findings of each type, each type past them followed by one `more-findings` finding (`of`, `count`); `counts` counts every finding, shown or not: `total`, by severity, and `byType`.',
  responses: { 200: '{findings: [{type, severity, message, …}], counts: {total, error, warning, info, byType}}' },
});

/** `/admin/v1/findings`: what needs an admin's eye (see services/findings.ts). */
export function findingRoutes(services: Services): Router {
  const { findings } = services;
  const router = exactRouter();

  router.get('/findings', can('findings'), list, async function listFindings(ctx) {
    ctx.body = await findings.list();
  });
  return router;
}

import type { Router } from '@koa/router';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import { describeKinds } from '../../sync/catalogue.js';

const list = operation({
  summary: 'The integration kinds this collector supports and their config fields',
  responses: {
    200: '{kinds: [{kind, label, category, platforms, defaultPlatforms, capabilities, defaultIntervalMinutes, help, fields, variants}]}',
  },
});

/**
 * `GET /admin/v1/kinds`: the integration kinds this collector supports and their config
 * fields, so the console and devtrustctl build their forms from the server instead of
 * re-declaring every vendor. Any role may read it (see http/auth.ts).
 */
export function kindRoutes(): Router {
  const router = exactRouter();
  // The registry is fixed at start-up: described once.
  const body = { kinds: describeKinds() };
  router.get('/kinds', can('kinds'), list, async function listKinds(ctx) {
    ctx.body = body;
  });
  return router;
}

import type { Router } from '@koa/router';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

/** `/admin/v1/enrollment-key`: replaces the agent enrollment key; the new one is shown once. */
export function enrollmentKeyRoutes(services: Services): Router {
  const { settings } = services;
  const router = exactRouter();

  router.post('/enrollment-key', can('enrollment'), async function rotateKey(ctx) {
    ctx.status = 201;
    ctx.body = { enrollmentKey: await settings.rotateEnrollmentKey(adminActor(ctx)) };
  });
  return router;
}

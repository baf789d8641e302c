import type { Router } from '@koa/router';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

/**
 * `/admin/v1/trusted-endpoints/:id`: an MDM integration's trusted endpoints configuration key
 * and how to push it with the MDM's device ID variable, per platform. The key is a secret
 * the admin must paste into the MDM, so only the roles that may see the enrollment key see
 * it (owner, admin); it is never logged.
 */
export function trustedEndpointRoutes(services: Services): Router {
  const { trustedEndpoints } = services;
  const router = exactRouter();
  router.use('/trusted-endpoints', can('enrollment'));

  router.get('/trusted-endpoints/:id', async function showTrustedEndpointsKey(ctx) {
    ctx.set('cache-control', 'no-store');
    ctx.body = await trustedEndpoints.show(ctx.params.id as string, adminActor(ctx));
  });

  router.post('/trusted-endpoints/:id/rotate', async function rotateTrustedEndpointsKey(ctx) {
    ctx.set('cache-control', 'no-store');
    ctx.status = 201;
    ctx.body = await trustedEndpoints.rotate(ctx.params.id as string, adminActor(ctx));
  });
  return router;
}

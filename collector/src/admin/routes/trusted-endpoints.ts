import type { Router } from '@koa/router';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

const show = operation({
  summary: "An MDM integration's trusted endpoints configuration key, with the instructions per platform",
  description:
    'The key is made the first time it is asked for (recorded in the admin log); 400 NOT_SUPPORTED for CSV and EDR integrations.',
  responses: { 200: '{integrationId, kind, key, createdAt, variable, platforms: [...]}' },
});
const rotate = operation({
  summary: "Replace an integration's trusted endpoints configuration key",
  description: 'Devices still holding the old key lose the MDM-asserted level until the MDM pushes the new one.',
  responses: { 201: 'the new key and instructions' },
});

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

  router.get('/trusted-endpoints/:id', show, async function showTrustedEndpointsKey(ctx) {
    ctx.set('cache-control', 'no-store');
    ctx.body = await trustedEndpoints.show(ctx.params.id as string, adminActor(ctx));
  });

  router.post('/trusted-endpoints/:id/rotate', rotate, async function rotateTrustedEndpointsKey(ctx) {
    ctx.set('cache-control', 'no-store');
    ctx.status = 201;
    ctx.body = await trustedEndpoints.rotate(ctx.params.id as string, adminActor(ctx));
  });
  return router;
}

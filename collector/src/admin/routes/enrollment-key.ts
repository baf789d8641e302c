import type { Router } from '@koa/router';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

const rotate = operation({
  summary: 'Replace the agent enrollment key',
  description: 'Agents enrolled already keep working; new ones need the new key.',
  responses: { 201: '{enrollmentKey}: the new key, shown this once' },
});

/** `/admin/v1/enrollment-key`: replaces the agent enrollment key; the new one is shown once. */
export function enrollmentKeyRoutes(services: Services): Router {
  const { settings } = services;
  const router = exactRouter();

  router.post('/enrollment-key', can('enrollment'), rotate, async function rotateKey(ctx) {
    const enrollmentKey = await settings.rotateEnrollmentKey(adminActor(ctx));
    // first-start-keys.txt must not offer the replaced key; the new one is never written there.
    await services.firstStartKeys.refresh();
    ctx.status = 201;
    ctx.body = { enrollmentKey };
  });
  return router;
}

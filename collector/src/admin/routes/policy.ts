import type { Router } from '@koa/router';
import { LIMITS } from '@devtrust/shared/protocol';
import { globalPolicyPatchSchema } from '../../domain/policy.js';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

/**
 * `/admin/v1/policy`: the global policy. It applies to every application: owners and
 * admins change it, app managers only read it (see GRANTS in http/auth.ts).
 */
export function policyRoutes(services: Services): Router {
  const { settings } = services;
  const router = exactRouter();
  const policy = can('policy');

  router.get('/policy', policy, async function getPolicy(ctx) {
    ctx.body = await settings.globalPolicy();
  });

  router.put('/policy', policy, async function putPolicy(ctx) {
    const body = await jsonBody(ctx, globalPolicyPatchSchema, LIMITS.maxHttpBodyBytes);
    ctx.body = await settings.updateGlobalPolicy(body, adminActor(ctx));
  });
  return router;
}

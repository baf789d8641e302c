import type { Router } from '@koa/router';
import { globalPolicyPatchSchema } from '../../domain/policy.js';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

const get = operation({ summary: 'The global policy', responses: { 200: 'the global policy' } });
const put = operation({
  summary: 'Change the global policy',
  description: 'The keys given replace the stored ones.',
  body: globalPolicyPatchSchema,
  responses: { 200: 'the global policy after the change' },
});

/**
 * `/admin/v1/policy`: the global policy. It applies to every application: owners and
 * admins change it, app managers only read it (see GRANTS in http/auth.ts).
 */
export function policyRoutes(services: Services): Router {
  const { settings } = services;
  const router = exactRouter();
  const policy = can('policy');

  router.get('/policy', policy, get, async function getPolicy(ctx) {
    ctx.body = await settings.globalPolicy();
  });

  router.put('/policy', policy, put, async function putPolicy(ctx) {
    const { body } = put.input(ctx);
    ctx.body = await settings.updateGlobalPolicy(body, adminActor(ctx));
  });
  return router;
}

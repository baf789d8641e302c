import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { notFound } from '../../errors.js';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';
import { usernameParam } from './username.js';

export const putUser = z.strictObject({ groups: z.array(displayText(200)).max(200) });

/** `/admin/v1/users`: users' groups (test-group activation) and which integrations apply to them. */
export function userRoutes(services: Services): Router {
  const { users } = services;
  const router = exactRouter();
  const guard = can('users');

  router.put('/users/:username', guard, async function putUserGroups(ctx) {
    const name = usernameParam(ctx.params.username);
    const body = await jsonBody(ctx, putUser, LIMITS.maxHttpBodyBytes);
    ctx.body = await users.put(name, body.groups);
  });
  router.get('/users', guard, async function listUsers(ctx) {
    ctx.body = { users: await users.list() };
  });
  router.get('/users/:username', guard, async function getUser(ctx) {
    const user = await users.get(ctx.params.username as string);
    if (!user) throw notFound('user');
    ctx.body = user;
  });
  router.delete('/users/:username', guard, async function deleteUser(ctx) {
    if (!(await users.delete(ctx.params.username as string))) throw notFound('user');
    ctx.status = 204;
  });
  /** Which integrations apply to this user and why not ("why was I untrusted?"). */
  router.get('/users/:username/integrations', guard, async function userIntegrations(ctx) {
    const { username, user, views } = await users.integrationsFor(usernameParam(ctx.params.username));
    ctx.body = {
      username,
      known: user !== null,
      groups: user?.groups ?? [],
      integrations: views.map(({ integration: i, inactiveReason }) => ({
        id: i.id,
        name: i.name,
        kind: i.kind,
        category: i.category,
        platforms: i.platforms,
        activation: i.activation,
        applies: inactiveReason === null,
        reason: inactiveReason,
      })),
    };
  });
  return router;
}

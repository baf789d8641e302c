import type { Router } from '@koa/router';
import { notFound } from '../../errors.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

const list = operation({ summary: 'The groups users are in', responses: { 200: '{groups: [{name, members}]}' } });
const get = operation({ summary: 'One group', responses: { 200: '{name, members}; a group with no member is 404' } });

/** `/admin/v1/groups`: the groups users are in, read from the users (there is no group record). */
export function groupRoutes(services: Services): Router {
  const { users } = services;
  const router = exactRouter();
  const guard = can('users');

  router.get('/groups', guard, list, async function listGroups(ctx) {
    ctx.body = { groups: await users.groups() };
  });
  router.get('/groups/:group', guard, get, async function getGroup(ctx) {
    const members = await users.members(ctx.params.group as string);
    if (members.length === 0) throw notFound('group');
    ctx.body = { name: ctx.params.group, members };
  });
  return router;
}
